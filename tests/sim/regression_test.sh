#!/usr/bin/env bash
# Replays every seed of tests/sim/regression_seeds.txt; each must pass. Prints each
# verdict and, for a failure, its repro line.
set -uo pipefail
sim="$1"
list="${2:-$(dirname "$0")/regression_seeds.txt}"
status=0
count=0
while read -r line; do
  line="${line%%#*}"
  read -r workload seed flags <<<"$line"
  [ -n "${workload:-}" ] || continue
  count=$((count + 1))
  # shellcheck disable=SC2086
  if out=$("$sim" --workload "$workload" --seed "$seed" $flags 2>&1); then
    echo "pass: $workload seed $seed ${flags:-}"
  else
    echo "FAIL: $workload seed $seed ${flags:-}"
    grep -E '^(failure|repro):' <<<"$out"
    status=1
  fi
done < "$list"
[ $count -gt 0 ] || { echo "FAIL: no seeds in $list"; exit 1; }
echo "regression seeds: $count replayed"
exit $status
