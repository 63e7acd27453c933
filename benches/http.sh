#!/usr/bin/env bash
# JSON over HTTP against gRPC, measured as a user would: `gazette serve --workers 1` pinned to
# one core, driven by h2load from another core with the bench article (about 4 KB), three
# clients alternating in each run: gRPC `Extract` (one pre-encoded frame, STREAMS streams on one
# HTTP/2 connection), `POST /v1/extract` with its JSON over HTTP/1.1 (STREAMS keep-alive
# connections, one call at a time each: HTTP/1.1 has no multiplexing) and the same JSON over
# HTTP/2 (h2c, STREAMS streams on one connection, as gRPC). Prints medians and the ratios.
#
#   benches/http.sh [BIN]      (BIN: target/release/gazette; build it with cargo build --release)
#
# Environment: SERVER_CPU (0), CLIENT_CPU (1), RUNS (5), RUN_SECONDS (5 per run), STREAMS (16),
# ARTICLE (tests/data/bench/article.txt), GAZETTEERS (gazetteers), PORT (a free one). Needs
# h2load (Debian: apt-get install nghttp2-client), curl with HTTP/2, python3 and taskset.
#
# Every call is checked: h2load must count every request done as succeeded with a 2xx status,
# and the body bytes must be calls x the size of the one response checked first (gRPC: its
# trailers said grpc-status 0; JSON: HTTP 200 with mentions; over HTTP/1.1 h2load adds the part
# of the calls still open at the end), so that a failed call cannot be counted.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/gazette}"
SERVER_CPU="${SERVER_CPU:-0}" CLIENT_CPU="${CLIENT_CPU:-1}" RUNS="${RUNS:-5}" SECONDS_PER_RUN="${RUN_SECONDS:-5}"
STREAMS="${STREAMS:-16}" ARTICLE="${ARTICLE:-tests/data/bench/article.txt}" GAZETTEERS="${GAZETTEERS:-gazetteers}"
for tool in h2load curl python3 taskset; do
    command -v "$tool" >/dev/null || { echo "http.sh: $tool not found (h2load: apt-get install nghttp2-client)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "http.sh: $BIN not found: cargo build --release" >&2; exit 2; }
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
url="http://127.0.0.1:$PORT"

# The gRPC frame (0x00, 4-byte big-endian length, ExtractRequest with document_id = 1 and
# text = 2 written by hand), the same request as proto3 JSON, and an empty health request.
python3 - "$ARTICLE" "$work" <<'PY'
import json, struct, sys
text = open(sys.argv[1], "rb").read()
def field(number, value):
    out, n = bytes([number << 3 | 2]), len(value)
    while n >= 0x80:
        out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
    return out + bytes([n]) + value
message = field(1, b"bench") + field(2, text)
open(sys.argv[2] + "/extract.bin", "wb").write(b"\0" + struct.pack(">I", len(message)) + message)
open(sys.argv[2] + "/extract.json", "w").write(json.dumps({"documentId": "bench", "text": text.decode()}))
open(sys.argv[2] + "/health.bin", "wb").write(b"\0\0\0\0\0")
PY
grpc() { # path frame -> body in $work/body, headers and trailers in $work/head
    curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
        --data-binary @"$2" -D "$work/head" -o "$work/body" "$url$1"
}

RUST_LOG=warn taskset -c "$SERVER_CPU" "$BIN" --no-default-gazetteers --gazetteers "$GAZETTEERS" serve --workers 1 --addr "127.0.0.1:$PORT" 2>/dev/null &
server=$!
# Ready when health says SERVING (body 00 00000002 08 01); polled, not guessed.
for _ in $(seq 600); do
    if grpc /grpc.health.v1.Health/Check "$work/health.bin" 2>/dev/null && [ "$(od -An -tx1 "$work/body" | tr -d ' \n')" = "00000000020801" ]; then
        ready=1; break
    fi
    kill -0 "$server" 2>/dev/null || { echo "http.sh: gazette serve exited" >&2; exit 1; }
    sleep 0.1
done
[ "${ready:-}" = 1 ] || { echo "http.sh: not SERVING after 60 s" >&2; exit 1; }
grpc /gazette.v1.EntityExtractor/Extract "$work/extract.bin"
grep -qi '^grpc-status: 0' "$work/head" || { echo "http.sh: one Extract call failed:" >&2; cat "$work/head" >&2; exit 1; }
grpc_body=$(wc -c < "$work/body")
status=$(curl -s -o "$work/json" -w '%{http_code}' -H 'content-type: application/json' --data-binary @"$work/extract.json" "$url/v1/extract")
[ "$status" = 200 ] && grep -q '"mentions"' "$work/json" || { echo "http.sh: one JSON call failed ($status):" >&2; head -c 400 "$work/json" >&2; exit 1; }
json_body=$(wc -c < "$work/json")
echo "article: $(wc -c < "$ARTICLE") bytes; gRPC response $grpc_body bytes, JSON response $json_body bytes; server on CPU $SERVER_CPU, h2load on CPU $CLIENT_CPU, $STREAMS calls at once, $RUNS x ${SECONDS_PER_RUN} s"

# load BODY_BYTES h2load-args... -> "calls/s p50_ms p99_ms", after checking every call.
load() {
    local body=$1; shift
    rm -f "$work/log"  # h2load appends to its log
    local cpu0; cpu0=$(awk '{print $14 + $15}' "/proc/$server/stat")
    taskset -c "$CLIENT_CPU" h2load -D "$SECONDS_PER_RUN" "$@" --log-file "$work/log" > "$work/h2load" 2>&1 || { cat "$work/h2load" >&2; exit 1; }
    local cpu1; cpu1=$(awk '{print $14 + $15}' "/proc/$server/stat")
    python3 - "$work/h2load" "$work/log" "$body" "$((cpu1 - cpu0))" "$(getconf CLK_TCK)" <<'PY'
import re, sys
out, log, body = open(sys.argv[1]).read(), open(sys.argv[2]).read().split("\n"), int(sys.argv[3])
cpu = int(sys.argv[4]) / int(sys.argv[5])
started = int(re.search(r"(\d+) started", out).group(1))
done, succeeded = map(int, re.search(r"(\d+) done, (\d+) succeeded", out).groups())
ok = int(re.search(r"status codes: (\d+) 2xx", out).group(1))
data = int(re.search(r"\((\d+)\) data", out).group(1))
seconds = float(re.search(r"finished in ([\d.]+)s", out).group(1))
# HTTP/1.1: h2load also counts the bytes of the calls still open when it stops.
if not (done == succeeded == ok and done * body <= data <= started * body and done > 0):
    sys.exit(f"http.sh: not every call succeeded: {done} done, {succeeded} succeeded, {ok} 2xx, "
             f"{data} data bytes for {done} x {body}\n{out}")
times = sorted(int(l.split("\t")[2]) for l in log if l.count("\t") == 2)
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] / 1000
print(f"{done / seconds:.1f} {pick(0.5):.3f} {pick(0.99):.3f} {cpu / seconds:.2f} {done / max(cpu, 0.01):.1f}")
PY
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
grpc_load() { load "$grpc_body" -c 1 -m "$STREAMS" -d "$work/extract.bin" -H 'content-type: application/grpc' -H 'te: trailers' "$url/gazette.v1.EntityExtractor/Extract"; }
h1_load() { load "$json_body" --h1 -c "$STREAMS" -m 1 -d "$work/extract.json" -H 'content-type: application/json' "$url/v1/extract"; }
h2_load() { load "$json_body" -c 1 -m "$STREAMS" -d "$work/extract.json" -H 'content-type: application/json' "$url/v1/extract"; }

: > "$work/grpc"; : > "$work/h1"; : > "$work/h2"
show() { awk '{print $1 " calls/s, p50 " $2 " ms, p99 " $3 " ms, server CPU " $4 ", " $5 " calls/CPU-s"}'; }
for run in $(seq "$RUNS"); do
    # Alternating, so that all three see the same machine load.
    grpc_load >> "$work/grpc"; h1_load >> "$work/h1"; h2_load >> "$work/h2"
    echo "run $run: gRPC $(tail -1 "$work/grpc" | show); JSON/HTTP1.1 $(tail -1 "$work/h1" | show); JSON/HTTP2 $(tail -1 "$work/h2" | show)"
done
echo
for kind in grpc h1 h2; do
    calls=$(awk '{print $1}' "$work/$kind" | median); p50=$(awk '{print $2}' "$work/$kind" | median); p99=$(awk '{print $3}' "$work/$kind" | median)
    per_cpu=$(awk '{print $5}' "$work/$kind" | median); share=$(awk '{print $4}' "$work/$kind" | median)
    eval "${kind}_calls=$calls ${kind}_cpu=$per_cpu"
    case $kind in grpc) name="gRPC Extract";; h1) name="JSON POST /v1/extract, HTTP/1.1";; h2) name="JSON POST /v1/extract, HTTP/2";; esac
    printf '%-36s %8.1f calls/s   p50 %.3f ms, p99 %.3f ms   server CPU %.2f of a core, %.1f calls per CPU-second (medians)\n' "$name" "$calls" "$p50" "$p99" "$share" "$per_cpu"
done
# On a shared machine the server's core also goes to other work; calls per CPU-second of the
# server is then the fairer figure.
printf '%-36s %8.2f calls/s, %.2f calls per CPU-second\n' "ratio JSON HTTP/1.1 / gRPC" "$(python3 -c "print($h1_calls / $grpc_calls)")" "$(python3 -c "print($h1_cpu / $grpc_cpu)")"
printf '%-36s %8.2f calls/s, %.2f calls per CPU-second\n' "ratio JSON HTTP/2 / gRPC" "$(python3 -c "print($h2_calls / $grpc_calls)")" "$(python3 -c "print($h2_cpu / $grpc_cpu)")"
