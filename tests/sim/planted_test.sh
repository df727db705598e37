#!/usr/bin/env bash
# Every planted bug in the catalogue must be found by its workload within $2 seeds
# (default 1000), by an oracle or an engine assertion, on a seed that passes with the
# bug off: a seed that fails either way detects nothing (quanta-sim reports those as
# BASELINE-FAIL and sweeps on; an assertion's seed is re-run here without the bug).
# Prints the first detecting seed and the wall seconds to it.
# $3 (optional): a comma-separated list of bugs not yet reliably found, reported as
# KNOWN-GAP instead of asserted (ci/sim-sweep passes none, so it asserts them all).
set -uo pipefail
sim="$1"
limit="${2:-1000}"
known_gaps=",${3:-},"
status=0

# The first seed in [$3, limit) at which bug $1 (workload $2) makes a run fail, or "".
first_failing_seed() {
  local out rc seed
  out=$("$sim" --workload "$2" --planted "$1" --seeds "$(($limit - $3))" --from "$3" --stop-on-failure 2>&1)
  rc=$?
  grep '^BASELINE-FAIL' <<<"$out" | sed 's/^/  (not counted) /' >&2
  seed=$(grep -oE '^FAIL seed=[0-9]+' <<<"$out" | head -n 1 | cut -d= -f2)
  # An engine assertion that fires is a detection too: the run aborts, naming its seed.
  if [ -z "$seed" ] && grep -q 'assertion failed' <<<"$out"; then
    seed=$(grep -oE 'while running: .* --seed [0-9]+' <<<"$out" | grep -oE '[0-9]+$' | head -n 1)
  fi
  [ $rc -ne 0 ] && echo "$seed"
}

while read -r name rest; do
  if [[ "$known_gaps" == *",$name,"* ]]; then
    echo "KNOWN-GAP planted=$name: not yet found reliably within $limit seeds (see its issue); not asserted here"
    continue
  fi
  workload=$(grep -oE 'workload=[a-z-]+' <<<"$rest" | cut -d= -f2)
  start=$(date +%s.%N)
  from=0
  found=""
  while [ "$from" -lt "$limit" ]; do
    seed=$(first_failing_seed "$name" "$workload" "$from")
    [ -n "$seed" ] || break
    if "$sim" --workload "$workload" --seed "$seed" >/dev/null 2>&1; then
      found="$seed"
      break
    fi
    echo "  (not counted) planted=$name seed=$seed fails with the bug off too"
    from=$((seed + 1))
  done
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  if [ -z "$found" ]; then
    echo "MISSED planted=$name workload=$workload: no seed in [0, $limit) fails with it and passes without it"
    status=1
  else
    printf 'found planted=%s workload=%s first_detecting_seed=%s seeds=%s wall=%.1fs\n' \
      "$name" "$workload" "$found" "$((found + 1))" "$secs"
  fi
done < <("$sim" --list-planted)
exit $status
