#!/usr/bin/env bash
# Every planted bug in the catalogue must be found by its workload within
# $2 seeds (default 1000), by an oracle or an engine assertion; prints seeds and wall
# seconds to the first failure.
# $3 (optional): a comma-separated list of bugs not yet reliably found, reported as
# KNOWN-GAP instead of asserted (ci/sim-sweep passes none, so it asserts them all).
set -uo pipefail
sim="$1"
limit="${2:-1000}"
known_gaps=",${3:-},"
status=0
while read -r name rest; do
  if [[ "$known_gaps" == *",$name,"* ]]; then
    echo "KNOWN-GAP planted=$name: not yet found reliably within $limit seeds (see its issue); not asserted here"
    continue
  fi
  workload=$(grep -oE 'workload=[a-z-]+' <<<"$rest" | cut -d= -f2)
  start=$(date +%s.%N)
  out=$("$sim" --workload "$workload" --planted "$name" --seeds "$limit" --stop-on-failure 2>&1)
  rc=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  seed=$(grep -oE '^FAIL seed=[0-9]+' <<<"$out" | head -n 1 | cut -d= -f2)
  # An engine assertion that fires is a detection too: the run aborts, naming its seed.
  if [ -z "$seed" ] && grep -q 'assertion failed' <<<"$out"; then
    seed=$(grep -oE 'while running: .* --seed [0-9]+' <<<"$out" | grep -oE '[0-9]+$' | head -n 1)
    [ -n "$seed" ] && rc=1
  fi
  if [ $rc -ne 1 ] || [ -z "$seed" ]; then
    echo "MISSED planted=$name workload=$workload: no failure in $limit seeds"
    status=1
  else
    printf 'found planted=%s workload=%s first_failing_seed=%s seeds=%s wall=%.1fs\n' \
      "$name" "$workload" "$seed" "$((seed + 1))" "$secs"
  fi
done < <("$sim" --list-planted)
exit $status
