#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds a separate project that does
# find_package(dcz) + target_link_libraries(... dcz::dcz), then runs it on a golden file:
# the exported CMake package works for users.
#   check_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/package/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
out=$("$tmp/consumer/consumer" "$src/tests/golden/valid/all_dtypes.dcz")
echo "$out"
[[ $out == "34 tensors" ]]
if [[ -x "$tmp/consumer/consumer_eval" ]]; then "$tmp/consumer/consumer_eval"; fi
