#!/usr/bin/env bash
# Every defense coverage marker (engine/env/coverage.h) must have fired in the default
# run's simulation sweeps: each sweep wrote its counts ('name kind hits') into $1;
# this sums them, prints the table and fails naming any defense never reached.
set -uo pipefail
dir="$1"
files=("$dir"/*.txt)
[ -e "${files[0]}" ] || { echo "FAIL: no coverage files in $dir (did the sweeps run?)"; exit 1; }
echo "coverage from ${#files[@]} sweeps:"
awk '{ hits[$1] += $3; kind[$1] = $2 } END { for (m in hits) printf "%-40s %-8s %d\n", m, kind[m], hits[m] }' \
  "${files[@]}" | sort > "$dir/summary"
cat "$dir/summary"
missing=$(awk '$2 == "defense" && $3 == 0 { print $1 }' "$dir/summary")
if [ -n "$missing" ]; then
  echo "FAIL: defense markers never reached by the sweeps (the fault model or the workloads no longer reach them):"
  echo "$missing" | sed 's/^/  /'
  exit 1
fi
echo "every defense marker was reached"
