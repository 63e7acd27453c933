#!/usr/bin/env bash
# Resident memory of `gazette serve` around a burst of large requests: VmRSS when idle (one small
# call, then SETTLE seconds), the peak (VmHWM) during 8 concurrent `Extract` calls of a 4 MB text (the
# bench article repeated), and VmRSS 10 s after the burst. Prints the peak per in-flight byte
# of text and the ratio after/idle (target: at most 1.2).
#
#   benches/memory.sh [BIN]      (BIN: target/release/gazette)
#
# Environment: CALLS (8), MB (4: text size, under the default --max-text-bytes of 4 MiB), AFTER
# (10 s), SETTLE (15 s), GAZETTEERS, ARTICLE, PORT. Needs h2load (apt-get install nghttp2-client), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/gazette}"
CALLS="${CALLS:-8}" MB="${MB:-4}" AFTER="${AFTER:-10}" SETTLE="${SETTLE:-15}"
ARTICLE="${ARTICLE:-tests/data/bench/article.txt}" GAZETTEERS="${GAZETTEERS:-gazetteers}"
for tool in h2load curl python3; do
    command -v "$tool" >/dev/null || { echo "memory.sh: $tool not found (h2load: apt-get install nghttp2-client)" >&2; exit 2; }
done
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
url="http://127.0.0.1:$PORT"

python3 - "$ARTICLE" "$work" "$MB" <<'EOF'
import struct, sys
article, size = open(sys.argv[1], "rb").read() + b"\n", int(sys.argv[3]) * 1_000_000
def frame(text):
    def field(number, value):
        out, n = bytes([number << 3 | 2]), len(value)
        while n >= 0x80:
            out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
        return out + bytes([n]) + value
    message = field(1, b"bench") + field(2, text)
    return b"\0" + struct.pack(">I", len(message)) + message
open(sys.argv[2] + "/large.bin", "wb").write(frame((article * (size // len(article) + 1))[:size]))
open(sys.argv[2] + "/small.bin", "wb").write(frame(article))
open(sys.argv[2] + "/health.bin", "wb").write(b"\0\0\0\0\0")
EOF
grpc() { curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$2" -D "$work/head" -o "$work/body" "$url$1"; }
status() { awk -v k="$1:" '$1 == k {print $2 / 1024}' "/proc/$server/status"; }

RUST_LOG=warn "$BIN" --no-default-gazetteers --gazetteers "$GAZETTEERS" serve --addr "127.0.0.1:$PORT" &
server=$!
for _ in $(seq 600); do
    if grpc /grpc.health.v1.Health/Check "$work/health.bin" 2>/dev/null && [ "$(od -An -tx1 "$work/body" | tr -d ' \n')" = "00000000020801" ]; then
        ready=1; break
    fi
    kill -0 "$server" 2>/dev/null || { echo "memory.sh: gazette serve exited" >&2; exit 1; }
    sleep 0.1
done
[ "${ready:-}" = 1 ] || { echo "memory.sh: not SERVING after 60 s" >&2; exit 1; }
grpc /gazette.v1.EntityExtractor/Extract "$work/small.bin"
grep -qi '^grpc-status: 0' "$work/head" || { echo "memory.sh: a small Extract call failed" >&2; exit 1; }
# Idle means settled: the gazetteers are built on a blocking thread, whose freed memory an
# allocator may hold until the thread exits (tokio ends idle blocking threads after 10 s).
sleep "$SETTLE"   # the measurement itself, like AFTER below
idle=$(status VmRSS); before_peak=$(status VmHWM)
h2load -n "$CALLS" -c "$CALLS" -m 1 -d "$work/large.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    "$url/gazette.v1.EntityExtractor/Extract" > "$work/h2load" 2>&1
grep -q "$CALLS succeeded" "$work/h2load" || { echo "memory.sh: not every large call succeeded:" >&2; cat "$work/h2load" >&2; exit 1; }
peak=$(status VmHWM); end=$(status VmRSS)
sleep "$AFTER"   # the measurement itself: what the process holds AFTER seconds later
after=$(status VmRSS)
python3 - "$idle" "$before_peak" "$peak" "$end" "$after" "$CALLS" "$MB" "$AFTER" <<'EOF'
import sys
idle, before, peak, end, after = map(float, sys.argv[1:6])
calls, mb, wait = int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
print(f"idle VmRSS {idle:.0f} MB, settled (peak before the burst {before:.0f} MB)")
print(f"{calls} concurrent Extract calls of {mb} MB: peak VmHWM {peak:.0f} MB, "
      f"{(peak - idle) / (calls * mb):.1f} MB per MB of text in flight; VmRSS right after {end:.0f} MB")
print(f"VmRSS {wait} s after: {after:.0f} MB = {after / idle:.2f} x idle (target <= 1.2)")
EOF
