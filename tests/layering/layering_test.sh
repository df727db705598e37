#!/usr/bin/env bash
# The layering checker passes on the real tree and rejects a fixture tree that
# includes <thread> and an unmarked hash map in engine/.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if ! out=$("$repo/ci/check-layering" "$repo"); then
  echo "FAIL: the repository violates the layering rules:"; echo "$out"; exit 1
fi
echo "$out"

if out=$("$repo/ci/check-layering" "$here/fixture"); then
  echo "FAIL: the checker accepted a fixture that includes <thread> in engine/"; exit 1
fi
for needle in "bad_page.cc:2:#include <thread>" "bad_page.cc:7:absl::flat_hash_map"; do
  if ! grep -qF "$needle" <<<"$out"; then
    echo "FAIL: checker output does not name '$needle':"; echo "$out"; exit 1
  fi
done
echo "layering checker rejects the fixture as expected"
