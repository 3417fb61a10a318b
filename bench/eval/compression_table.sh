#!/usr/bin/env bash
# Compression the Deep Compression pipeline reaches with NO retraining within a top-1 budget,
# next to generic compressors (issue #6). For each model and budget B (0.5 and 1.0 points):
#   1. dcz-eval --sensitivity prune on the sweep data, budget B/2  -> prune recipe
#   2. dcz-prune --recipe
#   3. dcz-eval --sensitivity quantize on the pruned model, budget B/2 (relative to the pruned
#      model, so the two halves add up to B on the sweep data)      -> quantize recipe
#   4. dcz-quantize --recipe, dcz-encode                             -> MODEL.dcz
#   5. dcz-eval original vs .dcz on the full test set: the loss actually measured
# and prints: original bytes, zstd -19 and xz -9 ratios, the .dcz ratio (whole file vs original
# .onnx) and the measured top-1 loss per budget. Prints measured numbers only; asserts nothing.
#
#   bench/eval/compression_table.sh BUILD_DIR [WORK_DIR]
# Needs dcz-eval, dcz-prune, dcz-quantize, dcz-encode in BUILD_DIR/tools; models and data from
# samples/ and ../shared (a model whose files are missing is listed as such).
set -euo pipefail
build="$(cd "${1:?usage: compression_table.sh BUILD_DIR [WORK_DIR]}" && pwd)"
work="${2:-$build/bench-eval}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
mkdir -p "$work"

tool() {
  local found
  found="$(find "$build/tools" -maxdepth 2 -type f -name "dcz-$1" -perm -u+x | head -n 1)"
  [[ -n "$found" ]] || { echo "compression_table: dcz-$1 is not built in $build/tools" >&2; exit 2; }
  echo "$found"
}
EVAL="$(tool eval)" PRUNE="$(tool prune)" QUANTIZE="$(tool quantize)" ENCODE="$(tool encode)"

fashion=/usr/share/datasets/fashion-mnist
fashion_train="idx:$fashion/train-images-idx3-ubyte.gz,$fashion/train-labels-idx1-ubyte.gz"
fashion_test="idx:$fashion/t10k-images-idx3-ubyte.gz,$fashion/t10k-labels-idx1-ubyte.gz"
cifar="cifar:$shared/data/cifar10/test_batch_from_jpeg.bin"
scale=0.00392156862745098
cifar_pre=(--scale "$scale" --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225)

# name | model | sweep data | sweep samples | test data | preprocessing | sparsities | bit widths
# The LeNets sweep on Fashion-MNIST *training* images and are measured on the test set. CIFAR-10
# has only the test set here, so ResNet-20 sweeps on 500 of its images (--limit spreads them over
# the class-sorted file; optimistic: the final
# figure over all 10,000 includes them) and over fewer settings: OpenCV runs it one image at a
# time (docs/eval.md), ~2 ms each, and it has 20 weight layers.
lenet_sparsities=0.3,0.4,0.5,0.6,0.7,0.8,0.85,0.9,0.95,0.97
lenet_bits=8,6,5,4,3,2
models=(
  "lenet300100|$root/samples/lenet300100.onnx|$fashion_train|5000|$fashion_test|--scale $scale|$lenet_sparsities|$lenet_bits"
  "lenet5|$root/samples/lenet5.onnx|$fashion_train|5000|$fashion_test|--scale $scale|$lenet_sparsities|$lenet_bits"
  "cifar10_resnet20|$shared/models/cifar10_resnet20.onnx|$cifar|500|$cifar|${cifar_pre[*]}|0.3,0.5,0.7,0.9|6,4,3"
)

json_field() {  # json_field FILE model_index field
  /usr/bin/env node -e "const r=JSON.parse(require('fs').readFileSync('$1'));console.log(r.models[$2].$3)" 2>/dev/null ||
    python3 -c "import json;print(json.load(open('$1'))['models'][$2]['$3'])"
}

half() { awk -v b="$1" 'BEGIN { printf "%g", b / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

printf '%-18s %10s %9s %9s | %-24s | %-24s\n' model bytes "zstd -19" "xz -9" \
  "dcz <=0.5 pt (loss)" "dcz <=1.0 pt (loss)"
for entry in "${models[@]}"; do
  IFS='|' read -r name model sweep_data sweep_n test_data pre sparsities bit_widths <<<"$entry"
  read -r -a pre_args <<<"$pre"
  if [[ ! -f "$model" ]]; then
    printf '%-18s %s\n' "$name" "(missing: $model)"
    continue
  fi
  dir="$work/$name"
  mkdir -p "$dir"
  bytes=$(stat -c %s "$model")
  zstd_bytes=$(zstd -19 -q -c "$model" | wc -c)
  xz_bytes=$(xz -9 -c "$model" | wc -c)
  cells=()
  for budget in 0.5 1.0; do
    b2=$(half "$budget")
    d="$dir/budget-$budget"
    mkdir -p "$d"
    "$EVAL" "$model" --data "$sweep_data" "${pre_args[@]}" --limit "$sweep_n" -q \
      --sensitivity prune --settings "$sparsities" --max-drop "$b2" --recipe-out "$d/prune.json" --plot "$d/prune.svg" > "$d/prune.txt"
    "$PRUNE" "$model" --recipe "$d/prune.json" -o "$d/pruned.onnx" -f -q
    "$EVAL" "$d/pruned.onnx" --data "$sweep_data" "${pre_args[@]}" --limit "$sweep_n" -q \
      --sensitivity quantize --settings "$bit_widths" --max-drop "$b2" --recipe-out "$d/quantize.json" --plot "$d/quantize.svg" \
      > "$d/quantize.txt"
    "$QUANTIZE" "$d/pruned.onnx" --recipe "$d/quantize.json" -o "$d/pq.onnx" -f -q
    "$ENCODE" "$d/pq.onnx" -o "$d/model.dcz" -f -q
    "$EVAL" "$model" "$d/model.dcz" --data "$test_data" "${pre_args[@]}" -q --json > "$d/final.json"
    base=$(json_field "$d/final.json" 0 top1_percent)
    final=$(json_field "$d/final.json" 1 top1_percent)
    loss=$(awk -v a="$base" -v b="$final" 'BEGIN { printf "%.2f", a - b }')
    dcz_bytes=$(stat -c %s "$d/model.dcz")
    cells+=("$(printf '%s (%s pt)' "$(ratio "$bytes" "$dcz_bytes")" "$loss")")
  done
  printf '%-18s %10s %9s %9s | %-24s | %-24s\n' "$name" "$bytes" "$(ratio "$bytes" "$zstd_bytes")" \
    "$(ratio "$bytes" "$xz_bytes")" "${cells[0]}" "${cells[1]}"
done
echo "(ratios: original .onnx bytes / compressed bytes; loss: top-1 points on the full test set;" \
     "details and plots in $work)"
