#!/usr/bin/env bash
# Instruction counts under callgrind: the figures that do not depend on how busy the machine is
# (wall-clock rates on a shared machine move by a quarter between rounds of the same build).
#
#   benches/instructions.sh [--engine-only] [--check BASELINE] [BIN]      (BIN: target/release/gazette)
#
# Prints
# - the engine's instructions per bench article: `extract --jsonl` over COPIES copies of the
#   article as separate documents, counted only inside `Extractor::extract_with`;
# - the server's instructions per `Extract` call of the article: `gazette serve --workers 1`
#   under callgrind, CALLS calls by h2load on one stream once health says SERVING, counted
#   inclusively in hyper's per-call task (`H2Stream::poll`: the handler, the engine, the
#   response body; the readiness polls are counted apart, with start-up), with the engine's
#   share of it;
# - the same for `POST /v1/extract` with the article as proto3 JSON over HTTP/2 (h2c), and the
#   ratio of the two: the JSON call's cost against gRPC's, which is what bounds its calls/s on
#   a busy core. Each part of the run (start-up, the gRPC calls, the JSON calls) is dumped
#   separately with callgrind_control, so each figure counts only its own calls.
#
# --engine-only skips the server. --check BASELINE is the guard CI runs: it fails (exit 1) when
# the engine's instructions per article exceed the count in BASELINE (benches/instructions.baseline,
# one number) by more than 5%, and says so when they are more than 5% below it (lower the
# baseline in the commit that earned it). Counts depend on the compiler: the baseline is for
# the toolchain CI uses (rustc 1.95, a release build).
#
# Environment: COPIES (100), CALLS (100), ARTICLE, GAZETTEERS, PORT. Needs valgrind
# (callgrind_annotate), h2load (nghttp2-client), curl, python3. Takes a few minutes: loading the
# gazetteers under valgrind is most of it.
set -euo pipefail
cd "$(dirname "$0")/.."
engine_only="" baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --engine-only) engine_only=1; shift ;;
        --check) baseline="${2:?--check needs a baseline file}"; engine_only=1; shift 2 ;;
        -*) echo "instructions.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
BIN="${1:-target/release/gazette}"
COPIES="${COPIES:-100}" CALLS="${CALLS:-100}" ARTICLE="${ARTICLE:-tests/data/bench/article.txt}" GAZETTEERS="${GAZETTEERS:-gazetteers}"
tools="valgrind python3"
[ -n "$engine_only" ] || tools="$tools callgrind_annotate callgrind_control h2load curl"
for tool in $tools; do
    command -v "$tool" >/dev/null || { echo "instructions.sh: $tool not found" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "instructions.sh: $BIN not found: cargo build --release" >&2; exit 2; }
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"

python3 - "$ARTICLE" "$work" "$COPIES" <<'EOF'
import json, struct, sys
text = open(sys.argv[1], encoding="utf-8").read()
with open(sys.argv[2] + "/articles.jsonl", "w") as f:
    for i in range(int(sys.argv[3])):
        f.write(json.dumps({"id": str(i), "text": text}) + "\n")
def field(number, value):
    out, n = bytes([number << 3 | 2]), len(value)
    while n >= 0x80:
        out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
    return out + bytes([n]) + value
message = field(1, b"bench") + field(2, text.encode())
open(sys.argv[2] + "/extract.bin", "wb").write(b"\0" + struct.pack(">I", len(message)) + message)
open(sys.argv[2] + "/health.bin", "wb").write(b"\0\0\0\0\0")
open(sys.argv[2] + "/extract.json", "w").write(json.dumps({"documentId": "bench", "text": text}))
EOF
bytes=$(wc -c < "$ARTICLE")

# The engine.
valgrind --tool=callgrind --callgrind-out-file="$work/engine.out" --toggle-collect='*extract_with*' \
    "$BIN" --no-default-gazetteers --gazetteers "$GAZETTEERS" extract --jsonl "$work/articles.jsonl" > /dev/null 2> "$work/engine.err"
engine=$(grep -o 'Collected : [0-9]*' "$work/engine.err" | awk '{print $3}')
python3 -c "n=$engine/$COPIES; print(f'engine, per article of $bytes bytes        {n/1e6:8.3f} M instructions ({n/$bytes:.0f} a byte)')"
if [ -n "$baseline" ]; then
    python3 - "$engine" "$COPIES" "$baseline" <<'EOF'
import sys
got = int(sys.argv[1]) / int(sys.argv[2])
base = float(open(sys.argv[3]).read().split()[0])
ratio = got / base
print(f"instruction guard: {got:,.0f} per article against the baseline's {base:,.0f} ({ratio:.3f}x)")
if ratio > 1.05:
    print(f"instruction guard: FAILED, the engine costs {100 * (ratio - 1):.1f}% more instructions than {sys.argv[3]} allows (5%)")
    sys.exit(1)
if ratio < 0.95:
    print(f"instruction guard: {100 * (1 - ratio):.1f}% below the baseline; lower {sys.argv[3]} to keep the gain")
EOF
fi
[ -z "$engine_only" ] || exit 0

# The server.
RUST_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$work/server.out" \
    "$BIN" --no-default-gazetteers --gazetteers "$GAZETTEERS" serve --workers 1 --no-watch --addr "127.0.0.1:$PORT" > "$work/server.log" 2>&1 &
server=$!
ready=""
for _ in $(seq 1200); do
    if curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$work/health.bin" \
        -o "$work/health" "http://127.0.0.1:$PORT/grpc.health.v1.Health/Check" 2>/dev/null \
        && [ "$(od -An -tx1 "$work/health" | tr -d ' \n')" = "00000000020801" ]; then
        ready=1; break
    fi
    kill -0 "$server" 2>/dev/null || { echo "instructions.sh: the server exited" >&2; cat "$work/server.log" >&2; exit 1; }
    sleep 0.5
done
[ -n "$ready" ] || { echo "instructions.sh: not SERVING after 10 minutes" >&2; exit 1; }
# Part 1 is start-up and the readiness polls, part 2 the gRPC calls, part 3 the JSON calls.
dump() { callgrind_control --dump "$server" > /dev/null 2>&1 || { echo "instructions.sh: callgrind_control --dump failed" >&2; exit 1; }; }
calls() { # name path content-type body
    h2load -n "$CALLS" -c 1 -m 1 -d "$4" -H "content-type: $3" -H 'te: trailers' \
        "http://127.0.0.1:$PORT$2" > "$work/h2load" 2>&1
    grep -q "$CALLS succeeded" "$work/h2load" && grep -q "status codes: $CALLS 2xx" "$work/h2load" \
        || { echo "instructions.sh: not every $1 call succeeded" >&2; cat "$work/h2load" >&2; exit 1; }
}
dump
calls gRPC /gazette.v1.EntityExtractor/Extract application/grpc "$work/extract.bin"
dump
calls JSON /v1/extract application/json "$work/extract.json"
dump
kill -INT "$server"; wait "$server" || true; server=""
pick() { # part symbol -> inclusive count
    [ -s "$work/server.out.$1" ] || { echo "instructions.sh: no callgrind dump of part $1" >&2; exit 1; }
    callgrind_annotate --inclusive=yes "$work/server.out.$1" 2>/dev/null | grep -E "$2" | grep -v '/rustc/' | head -1 | awk '{gsub(",", "", $1); print $1}'
}
task='H2Stream<F,B,Ex> as core::future::future::Future>::poll \['
grpc=$(pick 2 "$task")
inside=$(pick 2 'gazette::extract::Extractor::extract_with \[')
json=$(pick 3 "$task")
[ -n "$grpc" ] && [ -n "$inside" ] && [ -n "$json" ] || { echo "instructions.sh: symbols not found in the server's profile" >&2; exit 1; }
python3 -c "t=$grpc/$CALLS; e=$inside/$CALLS; print(f'server, per Extract call (per-call task)   {t/1e6:8.3f} M instructions, engine {e/1e6:.3f} M = {e/t:.2f} of it')"
python3 -c "g=$grpc/$CALLS; j=$json/$CALLS; print(f'server, per POST /v1/extract (JSON, h2c)  {j/1e6:8.3f} M instructions = {j/g:.2f}x gRPC, so about {g/j:.2f} of its calls/s')"
