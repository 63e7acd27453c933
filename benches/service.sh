#!/usr/bin/env bash
# The service benchmark, measured as a user would: `gazette serve --workers 1` pinned to one
# core, driven by h2load from another core with one pre-encoded gRPC `Extract` frame of the bench
# article, against the engine in-process on the server's core and the same article, alternating
# in one run; then latency at half the saturated rate. Prints medians and the ratio.
#
#   benches/service.sh [BIN]      (BIN: target/release/gazette; build it with cargo build --release)
#
# Environment: SERVER_CPU (0), CLIENT_CPU (1), RUNS (5), RUN_SECONDS (5 per run), STREAMS (16
# concurrent streams on one connection), ARTICLE (tests/data/bench/article.txt), GAZETTEERS
# (gazetteers), PORT (a free one), SERVER_LOG (the server's RUST_LOG: warn, so no access log;
# info writes one access-log line per call to the server's standard error, here /dev/null). Needs h2load (Debian: apt-get install nghttp2-client), curl
# with HTTP/2, python3 and taskset.
#
# It also reads the server's CPU time (/proc) around each run: the share of a core it used,
# and calls per CPU-second of the server.
#
# Every call is checked: h2load must count every request done as succeeded with HTTP 200, and
# the DATA bytes must be exactly calls x the size of the response of one call whose trailers
# were read and said grpc-status 0 (an error is a trailers-only response with no body, and the
# response to this request is the same every time), so a failed call cannot be counted.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/gazette}"
SERVER_CPU="${SERVER_CPU:-0}" CLIENT_CPU="${CLIENT_CPU:-1}" RUNS="${RUNS:-5}" SECONDS_PER_RUN="${RUN_SECONDS:-5}"
STREAMS="${STREAMS:-16}" ARTICLE="${ARTICLE:-tests/data/bench/article.txt}" GAZETTEERS="${GAZETTEERS:-gazetteers}"
for tool in h2load curl python3 taskset; do
    command -v "$tool" >/dev/null || { echo "service.sh: $tool not found (h2load: apt-get install nghttp2-client)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "service.sh: $BIN not found: cargo build --release" >&2; exit 2; }
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
url="http://127.0.0.1:$PORT"

# The frames: 0x00, 4-byte big-endian length, the protobuf message (fields written by hand:
# ExtractRequest.document_id = 1, text = 2; HealthCheckRequest is empty).
python3 - "$ARTICLE" "$work" <<'EOF'
import struct, sys
text = open(sys.argv[1], "rb").read()
def field(number, value):
    out, n = bytes([number << 3 | 2]), len(value)
    while n >= 0x80:
        out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
    return out + bytes([n]) + value
message = field(1, b"bench") + field(2, text)
open(sys.argv[2] + "/extract.bin", "wb").write(b"\0" + struct.pack(">I", len(message)) + message)
open(sys.argv[2] + "/health.bin", "wb").write(b"\0\0\0\0\0")
EOF
grpc() { # path frame -> body in $work/body, headers and trailers in $work/head
    curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
        --data-binary @"$2" -D "$work/head" -o "$work/body" "$url$1"
}

RUST_LOG="${SERVER_LOG:-warn}" taskset -c "$SERVER_CPU" "$BIN" --no-default-gazetteers --gazetteers "$GAZETTEERS" serve --workers 1 --addr "127.0.0.1:$PORT" 2>/dev/null &
server=$!
# Ready when health says SERVING (body 00 00000002 08 01); polled, not guessed.
for _ in $(seq 600); do
    if grpc /grpc.health.v1.Health/Check "$work/health.bin" 2>/dev/null && [ "$(od -An -tx1 "$work/body" | tr -d ' \n')" = "00000000020801" ]; then
        ready=1; break
    fi
    kill -0 "$server" 2>/dev/null || { echo "service.sh: gazette serve exited" >&2; exit 1; }
    sleep 0.1
done
[ "${ready:-}" = 1 ] || { echo "service.sh: not SERVING after 60 s" >&2; exit 1; }
grpc /gazette.v1.EntityExtractor/Extract "$work/extract.bin"
grep -qi '^grpc-status: 0' "$work/head" || { echo "service.sh: one Extract call failed:" >&2; cat "$work/head" >&2; exit 1; }
body=$(wc -c < "$work/body")
echo "article: $(wc -c < "$ARTICLE") bytes; response: $body bytes; server on CPU $SERVER_CPU, h2load on CPU $CLIENT_CPU, $STREAMS streams on 1 connection, $RUNS x ${SECONDS_PER_RUN} s"

# h2load [extra flags] -> "calls/s p50_ms p99_ms", after checking every call.
load() {
    rm -f "$work/log"  # h2load appends to its log
    local cpu0; cpu0=$(awk '{print $14 + $15}' "/proc/$server/stat")
    taskset -c "$CLIENT_CPU" h2load -D "$SECONDS_PER_RUN" -c 1 "$@" -d "$work/extract.bin" \
        -H 'content-type: application/grpc' -H 'te: trailers' --log-file "$work/log" \
        "$url/gazette.v1.EntityExtractor/Extract" > "$work/h2load" 2>&1 || { cat "$work/h2load" >&2; exit 1; }
    local cpu1; cpu1=$(awk '{print $14 + $15}' "/proc/$server/stat")
    python3 - "$work/h2load" "$work/log" "$body" "$((cpu1 - cpu0))" "$(getconf CLK_TCK)" <<'EOF'
import re, sys
out, log, body = open(sys.argv[1]).read(), open(sys.argv[2]).read().split("\n"), int(sys.argv[3])
cpu = int(sys.argv[4]) / int(sys.argv[5])
done, succeeded = map(int, re.search(r"(\d+) done, (\d+) succeeded", out).groups())
ok = int(re.search(r"status codes: (\d+) 2xx", out).group(1))
data = int(re.search(r"\((\d+)\) data", out).group(1))
seconds = float(re.search(r"finished in ([\d.]+)s", out).group(1))
if not (done == succeeded == ok and data == done * body and done > 0):
    sys.exit(f"service.sh: not every call succeeded: {done} done, {succeeded} succeeded, {ok} HTTP 200, "
             f"{data} data bytes for {done} x {body}\n{out}")
times = sorted(int(l.split("\t")[2]) for l in log if l.count("\t") == 2)
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] / 1000
print(f"{done / seconds:.1f} {pick(0.5):.3f} {pick(0.99):.3f} {cpu / seconds:.2f} {done / max(cpu, 0.01):.1f}")
EOF
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

: > "$work/engine"; : > "$work/service"
bytes=$(wc -c < "$ARTICLE")
# The engine on the article alone; builds from before `--article-only` run the engine table.
engine_flags=(--article-only)
"$BIN" bench --help | grep -q -- --article-only || engine_flags=(--engine-only --large-mb 1)
for run in $(seq "$RUNS"); do
    # Alternating, so that both see the same machine load.
    taskset -c "$SERVER_CPU" "$BIN" --no-default-gazetteers --gazetteers "$GAZETTEERS" bench --article "$ARTICLE" "${engine_flags[@]}" --runs 1 \
        --seconds "$SECONDS_PER_RUN" | awk -v bytes="$bytes" '/^engine, [0-9]+ B article/ {
            for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1) * 1e6 / bytes }' >> "$work/engine"
    load -m "$STREAMS" >> "$work/service"
    echo "run $run: engine $(tail -1 "$work/engine") documents/s; service $(tail -1 "$work/service" | awk '{print $1 " calls/s, p50 " $2 " ms, p99 " $3 " ms, server CPU " $4 " of a core, " $5 " calls per CPU-second"}')"
done
engine=$(median < "$work/engine")
calls=$(awk '{print $1}' "$work/service" | median)
p50=$(awk '{print $2}' "$work/service" | median)
p99=$(awk '{print $3}' "$work/service" | median)
# Half the saturated rate, one stream at a time paced by h2load, for the latency target.
half=$(python3 -c "print(max(1, int($calls / 2)))")
read -r half_calls half_p50 half_p99 _ _ < <(load -m 1 --rps "$half")
share=$(awk '{print $4}' "$work/service" | median)
per_cpu=$(awk '{print $5}' "$work/service" | median)
echo
printf '%-44s %12.1f\n' "engine, in-process, documents/s (median)" "$engine"
printf '%-44s %12.1f   p50 %.3f ms, p99 %.3f ms\n' "service, saturated, calls/s (median)" "$calls" "$p50" "$p99"
printf '%-44s %12.2f\n' "ratio service / engine" "$(python3 -c "print($calls / $engine)")"
# Below 1, the server was not kept busy (on a shared machine: the core went to other work
# whenever the server waited for the network); then calls per CPU-second is the fairer figure.
printf '%-44s %12.2f   %.1f calls per CPU-second, %.2f of the engine'"'"'s wall-clock rate\n' "server CPU, of one core (median)" "$share" "$per_cpu" "$(python3 -c "print($per_cpu / $engine)")"
printf '%-44s %12.1f   p50 %.3f ms, p99 %.3f ms\n' "service at half the saturated rate, calls/s" "$half_calls" "$half_p50" "$half_p99"
