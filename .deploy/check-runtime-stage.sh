#!/usr/bin/env bash
# Builds and runs the runtime stage of .deploy/Dockerfile where no base image can be pulled
# (no registry but the package registries, no Docker engine): buildah with vfs storage, the
# distroless base replaced by a local stand-in holding only what distroless/cc gives the
# binary (glibc's libc, libm and loader, libgcc_s, a passwd with nonroot 65532), and the
# builder stage replaced by an image holding a binary built and stripped on this machine.
# The runtime stage's own lines are taken from the Dockerfile as they are. Then the image is
# run (chroot isolation, host network) with its own user, environment and command: health
# must reach SERVING on 0.0.0.0:50051, an Extract must find its three names, SIGHUP must
# reload and SIGTERM must stop it.
#
# What this does not exercise: the builder stage (cargo in rust:*-slim-bookworm) and the real
# distroless image. Needs root, buildah (apt-get install buildah), grpcurl, a free port 50051.
#
#   cargo build --release && sudo .deploy/check-runtime-stage.sh target/release/gazette
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/release/gazette}"
b=(buildah --storage-driver vfs)
work="$(mktemp -d)"
containers=()
cleanup() {
  for c in "${containers[@]}"; do "${b[@]}" rm "$c" >/dev/null 2>&1 || true; done
  "${b[@]}" rmi -f localhost/gazette:runtime-stage localhost/gazette-builder-stand-in \
    gcr.io/distroless/cc-debian12:nonroot >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

base=$("${b[@]}" from scratch); containers+=("$base")
root=$("${b[@]}" mount "$base")
mkdir -p "$root/lib/x86_64-linux-gnu" "$root/lib64" "$root/etc" "$root/tmp"
for lib in libc.so.6 libm.so.6 libgcc_s.so.1; do cp -L "/lib/x86_64-linux-gnu/$lib" "$root/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
"${b[@]}" commit -q "$base" gcr.io/distroless/cc-debian12:nonroot >/dev/null

builder=$("${b[@]}" from scratch); containers+=("$builder")
root=$("${b[@]}" mount "$builder")
mkdir -p "$root/src/target/release"
strip -o "$root/src/target/release/gazette" "$binary"
"${b[@]}" commit -q "$builder" localhost/gazette-builder-stand-in >/dev/null

{ echo "FROM localhost/gazette-builder-stand-in AS builder"; sed -n '/^FROM gcr.io\/distroless/,$p' .deploy/Dockerfile; } > "$work/Dockerfile"
"${b[@]}" bud -q --pull-never --ignorefile .deploy/Dockerfile.dockerignore -f "$work/Dockerfile" -t localhost/gazette:runtime-stage . >/dev/null
"${b[@]}" inspect --format 'user {{.OCIv1.Config.User}}; env {{.OCIv1.Config.Env}}; entrypoint {{.OCIv1.Config.Entrypoint}} {{.OCIv1.Config.Cmd}}{{"\n"}}' localhost/gazette:runtime-stage

run=$("${b[@]}" from --pull-never localhost/gazette:runtime-stage); containers+=("$run")
if ss -ltnH 'sport = :50051' | grep -q .; then echo "FAIL: port 50051 is taken; the image listens there"; exit 1; fi
# buildah run does not apply the entrypoint: give the image's entrypoint and command.
timeout 600 "${b[@]}" run --isolation chroot "$run" -- /usr/local/bin/gazette serve 2> "$work/log" &
pid=""
for _ in $(seq 1 100); do
  pid=$(ss -ltnpH 'sport = :50051' | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2 || true)
  [ -n "$pid" ] && break
  sleep 0.1
done
[ -n "$pid" ] || { cat "$work/log"; echo "FAIL: nothing listens on 50051"; exit 1; }
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[ "$uid" = 65532 ] || { echo "FAIL: runs as uid $uid"; exit 1; }
echo "ok   listening on 0.0.0.0:50051 as uid $uid"
# Health is polled here (grpcurl has no watch). The server loads in about 1.5 s (release) to
# 16 s (debug build on a busy machine); allow two minutes.
for _ in $(seq 1 480); do
  grpcurl -plaintext 127.0.0.1:50051 grpc.health.v1.Health/Check 2>/dev/null | grep -q '"status": "SERVING"' && break
  sleep 0.25
done
grpcurl -plaintext 127.0.0.1:50051 grpc.health.v1.Health/Check | grep -q '"status": "SERVING"'
echo "ok   health SERVING"
found=$(grpcurl -plaintext -d '{"text": "Putin spoke with Netanyahu about Iran."}' 127.0.0.1:50051 \
  gazette.v1.EntityExtractor/Extract | grep -c '"canonicalName"')
[ "$found" = 6 ] || { echo "FAIL: Extract gave $found canonical names, want 6 (3 mentions, 3 entities)"; exit 1; }
echo "ok   Extract found 3 mentions of 3 entities"
kill -HUP "$pid"
# A reload takes as long as a load: allow two minutes.
for _ in $(seq 1 1200); do grep -q 'gazetteers reloaded' "$work/log" && break; sleep 0.1; done
grep -q 'gazetteers reloaded' "$work/log" || { echo "FAIL: no reload"; exit 1; }
echo "ok   SIGHUP reloaded"
kill -TERM "$pid"
wait
grep -q '"stopped"' "$work/log" || { cat "$work/log"; echo "FAIL: did not stop"; exit 1; }
echo "ok   SIGTERM stopped it"
echo "runtime stage: all checks passed"
