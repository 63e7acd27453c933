#!/usr/bin/env bash
# Start-up of `gazette serve`, measured as a deployment sees it: the wall time from the exec to
# the first health check that answers SERVING (the gazetteers loaded and the automaton built),
# and the resident memory at that moment (VmRSS, and the peak VmHWM of the load). RUNS starts,
# one after the other; prints each run and the medians.
#
#   benches/startup.sh [BIN]      (BIN: target/release/gazette; build it with cargo build --release)
#
# Environment: RUNS (5), GAZETTEERS (gazetteers), PORT (a free one). Needs curl with HTTP/2 and
# python3. The health check is polled every 10 ms, so the times are at most 10 ms late.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/gazette}"
RUNS="${RUNS:-5}" GAZETTEERS="${GAZETTEERS:-gazetteers}"
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "startup.sh: $tool not found" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "startup.sh: $BIN not found: cargo build --release" >&2; exit 2; }
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
url="http://127.0.0.1:$PORT"
printf '\0\0\0\0\0' > "$work/health.bin"
serving() {
    curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
        --data-binary @"$work/health.bin" -o "$work/body" "$url/grpc.health.v1.Health/Check" 2>/dev/null \
        && [ "$(od -An -tx1 "$work/body" | tr -d ' \n')" = "00000000020801" ]
}
status() { awk -v k="$1:" '$1 == k {print $2 / 1024}' "/proc/$server/status"; }

: > "$work/runs"
for run in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    RUST_LOG=warn "$BIN" --no-default-gazetteers --gazetteers "$GAZETTEERS" serve --addr "127.0.0.1:$PORT" &
    server=$!
    ready=""
    for _ in $(seq 6000); do
        if serving; then ready=$(date +%s.%N); break; fi
        kill -0 "$server" 2>/dev/null || { echo "startup.sh: gazette serve exited" >&2; exit 1; }
        sleep 0.01
    done
    [ -n "$ready" ] || { echo "startup.sh: not SERVING after 60 s" >&2; exit 1; }
    rss=$(status VmRSS); hwm=$(status VmHWM)
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    python3 -c "import sys; print(f'run $run: SERVING after {($ready - $start) * 1000:.0f} ms, VmRSS $rss MB, VmHWM $hwm MB')"
    echo "$start $ready $rss $hwm" >> "$work/runs"
done
python3 - "$work/runs" <<'EOF'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
ms = statistics.median((r[1] - r[0]) * 1000 for r in rows)
rss = statistics.median(r[2] for r in rows)
hwm = statistics.median(r[3] for r in rows)
print(f"median of {len(rows)}: SERVING after {ms:.0f} ms; VmRSS {rss:.0f} MB at SERVING, peak VmHWM {hwm:.0f} MB")
EOF
