#!/usr/bin/env bash
# gazette at scale: the default gazetteers plus ALIASES synthetic aliases (default 1,000,000: half
# as many organisation entries of two aliases each, capitalised pseudo-words of made-up
# syllables, seeded, so every run builds the same file) in a copy of the gazetteer folder. Prints
# the start-up to SERVING and the memory then (benches/startup.sh), and the engine's MB/s on the
# bench article with and without the synthetic file, alternating ROUNDS times on one core, with
# their ratio (the synthetic names never occur in the article: what is measured is the cost of
# a larger automaton, not of more matches).
#
#   benches/scale.sh [BIN]      (BIN: target/release/gazette)
#
# Environment: ALIASES (1000000), ROUNDS (3), RUNS (3 starts), CPU (1). Needs python3, curl, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/gazette}"
ALIASES="${ALIASES:-1000000}" ROUNDS="${ROUNDS:-3}" CPU="${CPU:-1}"
[ -x "$BIN" ] || { echo "scale.sh: $BIN not found: cargo build --release" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r gazetteers "$work/gazetteers"
python3 - "$work/gazetteers/synthetic.tsv" "$ALIASES" <<'EOF'
import random, sys
path, aliases = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261207)
onsets = ["b", "br", "d", "dr", "f", "g", "gr", "k", "kr", "l", "m", "n", "p", "pr", "r", "s", "st", "t", "tr", "v", "z", "zh", "q", "x"]
vowels = ["a", "e", "i", "o", "u", "ae", "io", "ou"]
codas = ["", "n", "r", "s", "th", "x", "nd", "rk", "lm"]
def word():
    return "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(rng.randint(2, 3))).capitalize()
seen = set()
with open(path, "w") as f:
    f.write("# synthetic aliases for benches/scale.sh (made-up words; never in real text)\n")
    n = 0
    while n < aliases // 2:
        a, b = word(), word()
        full, short = f"{a} {b} Holdings", f"{a} {b}"
        if full in seen or short in seen:
            continue
        seen.update((full, short))
        f.write(f"org:synthetic-{n}\torganization\t{full}\t{short}\t50\ttype=company\n")
        n += 1
EOF
echo "synthetic: $(( ALIASES / 2 )) entries, $ALIASES aliases"
echo "== default gazetteers"
GAZETTEERS=gazetteers RUNS="${RUNS:-3}" benches/startup.sh "$BIN" | tail -1
echo "== default + synthetic"
GAZETTEERS="$work/gazetteers" RUNS="${RUNS:-3}" benches/startup.sh "$BIN" | tail -1
: > "$work/rates"
for round in $(seq "$ROUNDS"); do
    for set in default synthetic; do
        dir=gazetteers; [ "$set" = synthetic ] && dir="$work/gazetteers"
        rate=$(RUST_LOG=off taskset -c "$CPU" "$BIN" --no-default-gazetteers --gazetteers "$dir" bench --engine-only --runs 5 2>/dev/null \
            | awk '/^engine, [0-9]+ B article/ {print $(NF-7)}')
        echo "round $round, $set: $rate MB/s"
        echo "$set $rate" >> "$work/rates"
    done
done
python3 - "$work/rates" <<'EOF'
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    rates.setdefault(k, []).append(float(v))
d, s = statistics.median(rates["default"]), statistics.median(rates["synthetic"])
print(f"engine, bench article: default {d:.1f} MB/s, with the synthetic aliases {s:.1f} MB/s (medians of {len(rates['default'])}): {s / d:.2f}x")
EOF
