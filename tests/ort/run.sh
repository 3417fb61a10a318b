#!/usr/bin/env bash
# One ctest case of the ONNX Runtime check. Encodes MODEL to .dcz, evaluates the original and the
# .dcz (decoded in memory) with dcz-eval on the first LIMIT samples, dumps inputs and OpenCV's
# outputs, then runs both models in ONNX Runtime (check.mjs) and asserts:
#   ORT == OpenCV within 1e-4 for each model, and the decoded model's ORT outputs == the
#   original's exactly (encoding is lossless).
# Exit 77 (ctest SKIP) only when node is absent. Installs the pinned onnxruntime-node if needed.
#   run.sh DCZ_EVAL DCZ_ENCODE OUT_DIR MODEL DATA_SPEC LIMIT [dcz-eval preprocessing options...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v node >/dev/null 2>&1; then
  echo "ort_check: node is not installed; skipping" >&2
  exit 77
fi
eval_tool="$1" encode_tool="$2" out="$3" model="$4" data="$5" limit="$6"
shift 6
"$here/../../scripts/setup-ort"
rm -rf "$out"
mkdir -p "$out"
"$encode_tool" "$model" -o "$out/model.dcz" -f -q
"$eval_tool" "$model" "$out/model.dcz" --data "$data" --limit "$limit" -q --dump-outputs "$out" "$@" \
  | tee "$out/report.txt"
node "$here/check.mjs" "$out" --tol 1e-4 --ref-tol 0
