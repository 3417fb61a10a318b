#!/usr/bin/env bash
# Lossless dcz-encode vs generic compressors on the sample and shared models: sizes side by side
# and encode/decode wall times, plus a bit-exact check of every decode (issue #2's table).
#   bench/lossless_table.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${1:-build}/tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-26s %11s %11s %11s %11s %7s %7s %9s %9s  %s\n' model onnx "zstd -19" "xz -9" dcz \
  "x zstd" "x dcz" "encode s" "decode s" "round trip"
for m in samples/*.onnx ../shared/models/*.onnx; do
  [[ -f $m ]] || continue
  name=$(basename "$m")
  onnx=$(stat -c %s "$m")
  z=$(zstd -19 -q -c "$m" | wc -c)
  x=$(xz -9 -c "$m" | wc -c)
  t0=$(date +%s.%N)
  "$tools/dcz-encode" -q "$m" -o "$tmp/$name.dcz"
  t1=$(date +%s.%N)
  "$tools/dcz-decode" -q "$tmp/$name.dcz" -o "$tmp/$name"
  t2=$(date +%s.%N)
  d=$(stat -c %s "$tmp/$name.dcz")
  same=$(cmp -s "$m" "$tmp/$name" && echo byte-identical || echo DIFFERENT)
  printf '%-26s %11d %11d %11d %11d %7.3f %7.3f %9.3f %9.3f  %s\n' "$name" "$onnx" "$z" "$x" "$d" \
    "$(echo "$onnx / $z" | bc -l)" "$(echo "$onnx / $d" | bc -l)" \
    "$(echo "$t1 - $t0" | bc -l)" "$(echo "$t2 - $t1" | bc -l)" "$same"
done
