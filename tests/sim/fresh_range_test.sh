#!/usr/bin/env bash
# The default run's simulation slices sweep seeds no earlier run used: quanta-sim
# --fresh prints its range first, and two runs draw different ranges, above the fixed
# ones (< 10^6). The canary workload (fails on multiples of 100) keeps it cheap.
set -uo pipefail
sim="$1"
range() { "$sim" --workload canary --fresh --seeds 3 | grep -oE '^fresh seeds: --from [0-9]+' | grep -oE '[0-9]+$'; }
first=$(range)
second=$(range)
[ -n "$first" ] && [ -n "$second" ] || { echo "FAIL: no 'fresh seeds: --from N' line printed"; exit 1; }
[ "$first" != "$second" ] || { echo "FAIL: two fresh sweeps drew the same range (--from $first)"; exit 1; }
[ "$first" -ge 1000000 ] && [ "$second" -ge 1000000 ] || { echo "FAIL: a fresh range overlaps the fixed ones"; exit 1; }
out=$("$sim" --workload canary --fresh --seeds 2)
grep -qE "seeds=\[$(grep -oE -- '--from [0-9]+' <<<"$out" | cut -d' ' -f2)," <<<"$out" || { echo "FAIL: the summary does not name the fresh range"; echo "$out"; exit 1; }
echo "fresh ranges: --from $first, then --from $second"
