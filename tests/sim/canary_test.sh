#!/usr/bin/env bash
# A sweep must report failures: the canary workload fails exactly on seeds divisible
# by 100, the sweep exits non-zero, and each printed repro command fails again alone.
set -uo pipefail
sim="$1"
out=$("$sim" --workload canary --seeds 300 --from 0)
rc=$?
echo "$out" | tail -n 8
[ $rc -eq 1 ] || { echo "FAIL: sweep exit status $rc, want 1"; exit 1; }
failed=$(grep -oE '^FAIL seed=[0-9]+' <<<"$out" | cut -d= -f2 | tr '\n' ' ')
[ "$failed" = "0 100 200 " ] || { echo "FAIL: failing seeds '$failed', want '0 100 200 '"; exit 1; }
grep -q 'runs=300 failures=3' <<<"$out" || { echo "FAIL: summary does not count 300 runs, 3 failures"; exit 1; }
while read -r repro; do
  cmd="${repro#*repro: quanta-sim }"
  # shellcheck disable=SC2086
  if replay=$("$sim" $cmd); then echo "FAIL: repro did not fail: $repro"; exit 1; fi
  grep -q '^FAIL seed=' <<<"$replay" || { echo "FAIL: repro printed no verdict: $repro"; exit 1; }
done < <(grep 'repro: ' <<<"$out")
echo "canary: seeds 0 100 200 failed and each repro reproduces"
