#!/usr/bin/env bash
# One ctest case of the ONNX Runtime check. Encodes MODEL to .dcz (lossless) and, when dcz-prune
# and dcz-quantize are given, also a compressed copy (sparsity 0.8 per layer, then 5-bit fc /
# 8-bit conv k-means: the paper's settings, no retraining) to .dcz. dcz-eval evaluates the
# original and both .dcz files (decoded in memory) on LIMIT samples (spread over the file) and dumps inputs,
# decoded models and OpenCV's outputs; check.mjs runs every model in ONNX Runtime and asserts:
#   ORT == OpenCV within 1e-4 for each model, and the losslessly decoded model's ORT outputs ==
#   the original's exactly.
# Exit 77 (ctest SKIP) only when node is absent. Installs the pinned onnxruntime-node if needed.
#   run.sh DCZ_EVAL DCZ_ENCODE DCZ_PRUNE|- DCZ_QUANTIZE|- OUT_DIR MODEL DATA_SPEC LIMIT [dcz-eval options...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v node >/dev/null 2>&1; then
  echo "ort_check: node is not installed; skipping" >&2
  exit 77
fi
eval_tool="$1" encode_tool="$2" prune_tool="$3" quantize_tool="$4" out="$5" model="$6" data="$7" limit="$8"
shift 8
"$here/../../scripts/setup-ort"
rm -rf "$out"
mkdir -p "$out"
"$encode_tool" "$model" -o "$out/model.dcz" -f -q
models=("$model" "$out/model.dcz")
if [[ "$prune_tool" != "-" && "$quantize_tool" != "-" ]]; then
  "$prune_tool" "$model" --sparsity 0.8 -o "$out/pruned.onnx" -f -q
  "$quantize_tool" "$out/pruned.onnx" -o "$out/pq.onnx" -f -q
  "$encode_tool" "$out/pq.onnx" -o "$out/compressed.dcz" -f -q
  models+=("$out/compressed.dcz")
fi
"$eval_tool" "${models[@]}" --data "$data" --limit "$limit" -q --dump-outputs "$out" "$@" \
  | tee "$out/report.txt"
node "$here/check.mjs" "$out" --tol 1e-4 --ref-tol 0 --ref-models 1
