#!/usr/bin/env bash
# Compression within a top-1 budget, no retraining (issue #7, part 4): for each model, budget
# (0.5 and 1.0 points) and path, `dcz-compress --max-drop B --data TEST --method PATH` searches
# the smallest .dcz file whose measured loss stays within B, and the table prints
#   ratio = dense bytes of every tensor of the model (float32 weights: "dense float32 bytes")
#           / .dcz file bytes, with both byte counts;
#   the loss measured by the search (top-1 points, exact sample counts, dcz-eval's engine);
#   times: the whole search (dcz-compress wall time: every candidate built AND evaluated, and
#   the sensitivity statistics of the rate path), the build of the chosen candidate alone (its
#   lossy stages + encode + the decode the search evaluates, from the search log), and
#   dcz-decode of the file (wall time, median of 3);
# next to NNCodec's figures and the targets (NNCodec x 1.25). Paths:
#   classic  Deep Compression without retraining: one global magnitude threshold at sparsity
#            1 - 1/t, k-means 8 bits conv / 5 bits fc, encoding (t searched);
#   rate     the rate-aware quantizer (dcz/rate_quantize.h), lambda searched, sensitivity
#            statistics (input second moments for the error feedback) from calibration images:
#            Fashion-MNIST TRAINING images for the LeNets (20,000 / 10,000), and for the others,
#            which have only their test sets here, test images (500 for ResNet-20, 100 for
#            ResNet-56, 1,000 for mnist_cnn).
#
# WHICH DATA THE SEARCH USES: the full TEST set (10,000 images) of each model, the same data the
# loss is reported on. This is the protocol behind the NNCodec figures (their budgets are losses
# measured on the full test sets), so the columns are comparable; it is also optimistic, because
# the search picks the parameter on the data it is judged on. The "held-out" rows (LeNets, rate
# path; DCZ_BENCH_HELDOUT=0 skips them) search and calibrate on 10,000 Fashion-MNIST TRAINING
# images instead and report the loss measured on the test set, which can exceed the budget.
# CIFAR-10 and MNIST have only their test sets in ../shared, so the other models have no held-out
# row.
#
#   bench/eval/rate_aware_table.sh BUILD_DIR [WORK_DIR]
# Environment: DCZ_BENCH_MODELS (names to run, default all five), DCZ_BENCH_PATHS (default
# "classic rate"), DCZ_BENCH_HELDOUT (1), DCZ_BENCH_THREADS (0 = all cores).
# OpenCV runs the ResNets one image at a time (~2 ms per image for ResNet-20, ~7 for ResNet-56):
# ResNet-56 therefore gets fewer evaluations (a coarser search: its ratio is a lower bound of
# what a finer one would find). Prints measured numbers only; asserts nothing.
set -euo pipefail
build="$(cd "${1:?usage: rate_aware_table.sh BUILD_DIR [WORK_DIR]}" && pwd)"
work="${2:-$build/bench-rate-aware}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
mkdir -p "$work"
models_wanted="${DCZ_BENCH_MODELS:-lenet300100 lenet5 cifar10_resnet20 cifar10_resnet56 mnist_cnn}"
paths_wanted="${DCZ_BENCH_PATHS:-classic rate}"
heldout="${DCZ_BENCH_HELDOUT:-1}"
threads="${DCZ_BENCH_THREADS:-0}"

tool() {
  local found
  found="$(find "$build/tools" -maxdepth 2 -type f -name "dcz-$1" -perm -u+x | head -n 1)"
  [[ -n "$found" ]] || { echo "rate_aware_table: dcz-$1 is not built in $build/tools" >&2; exit 2; }
  echo "$found"
}
COMPRESS="$(tool compress)" DECODE="$(tool decode)" EVAL="$(tool eval)"
PY="$(command -v python3 || echo /usr/bin/python3)"

fashion=/usr/share/datasets/fashion-mnist
fashion_train="idx:$fashion/train-images-idx3-ubyte.gz,$fashion/train-labels-idx1-ubyte.gz"
fashion_test="idx:$fashion/t10k-images-idx3-ubyte.gz,$fashion/t10k-labels-idx1-ubyte.gz"
mnist_test="idx:$shared/data/mnist/t10k-images-idx3-ubyte.gz,$shared/data/mnist/t10k-labels-idx1-ubyte.gz"
cifar="cifar:$shared/data/cifar10/test_batch_from_jpeg.bin"
scale=0.00392156862745098
cifar_pre="--scale $scale --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225"

# name | model | test data | preprocessing | search flags | NNCodec <=0.5 | NNCodec <=1.0
models=(
  "lenet300100|$root/samples/lenet300100.onnx|$fashion_test|--scale $scale|--calibration-data $fashion_train --calibration 20000|31.2|37.0"
  "lenet5|$root/samples/lenet5.onnx|$fashion_test|--scale $scale|--calibration-data $fashion_train --calibration 10000|22.1|48.5"
  "cifar10_resnet20|$shared/models/cifar10_resnet20.onnx|$cifar|$cifar_pre|--calibration 500|6.5|8.5"
  "cifar10_resnet56|$shared/models/cifar10_resnet56.onnx|$cifar|$cifar_pre|--calibration 100 --max-evaluations 7 --tolerance 0.25|-|-"
  "mnist_cnn|$shared/models/mnist_cnn.onnx|$mnist_test|--scale $scale --mean 0.5 --std 0.5|--calibration 1000|-|-"
)

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# field FILE EXPR: a value of the search JSON ("s" = the search object, "b" = the chosen evaluation)
field() {
  "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); s=j['search']; b=s['evaluations'][s['best']]; print($2)" "$1"
}
times3() {  # median wall time of three decodes
  local t=()
  for _ in 1 2 3; do
    local s; s=$(now)
    "$DECODE" "$1" -o "$2" -f -q
    t+=("$(elapsed "$s")")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}
target() {
  if [[ "$1" == - ]]; then echo -; else awk -v x="$1" 'BEGIN { printf "%.2f", 1.25 * x }'; fi
}

# One search; prints "bytes ratio loss search_s encode_s decode_s" or "- - - - - -" when nothing
# is within budget (the log says why).
cell() {  # cell DIR PATH BUDGET MODEL DATA PRE EXTRA...
  local dir="$1" path="$2" budget="$3" model="$4" data="$5" pre="$6"
  shift 6
  mkdir -p "$dir"
  local s; s=$(now)
  # shellcheck disable=SC2086
  if ! "$COMPRESS" "$model" --max-drop "$budget" --data "$data" $pre --method "$path" --threads "$threads" \
      -o "$dir/model.dcz" -f --json "$dir/search.json" "$@" 2> "$dir/log.txt"; then
    echo "- - - - - -"
    return
  fi
  local search_s; search_s=$(elapsed "$s")
  local decode_s; decode_s=$(times3 "$dir/model.dcz" "$dir/decoded.onnx")
  echo "$(field "$dir/search.json" "b['bytes']") $(field "$dir/search.json" "'%.2f' % b['ratio']")" \
       "$(field "$dir/search.json" "'%.2f' % b['drop_points']") $search_s" \
       "$(field "$dir/search.json" "'%.2f' % b['seconds_build']") $decode_s"
}

# Test-set loss of a .dcz searched on other data: dcz-eval of the original and the file.
test_loss() {  # test_loss MODEL DCZ DATA PRE
  # shellcheck disable=SC2086
  "$EVAL" "$1" "$2" --data "$3" $4 -q --json > "$2.test.json"
  "$PY" -c "import json,sys; m=json.load(open(sys.argv[1]))['models']; print('%.2f' % (m[0]['top1_percent'] - m[1]['top1_percent']))" "$2.test.json"
}

row() { printf '%-17s %-8s %9s | %8s %8s %6s | %8s %8s %6s | %-11s %-11s | %11s %11s %11s\n' "$@"; }
row model path dense "<=0.5 B" ratio loss "<=1.0 B" ratio loss "NNCodec" "target" \
  "search s" "build s" "decode s"
for entry in "${models[@]}"; do
  IFS='|' read -r name model data pre extra nn05 nn10 <<<"$entry"
  [[ " $models_wanted " == *" $name "* ]] || continue
  if [[ ! -f "$model" ]]; then
    printf '%-17s (missing: %s)\n' "$name" "$model"
    continue
  fi
  for path in $paths_wanted; do
    read -r -a extra_args <<<"$extra"
    # The calibration flags are the rate path's; classic takes the search flags only.
    [[ "$path" == classic ]] && read -r -a extra_args <<<"$(sed -E 's/--calibration(-data)? [^ ]+//g' <<<"$extra")"
    read -r b1 r1 l1 s1 e1 d1 <<<"$(cell "$work/$name/$path-0.5" "$path" 0.5 "$model" "$data" "$pre" "${extra_args[@]}")"
    read -r b2 r2 l2 s2 e2 d2 <<<"$(cell "$work/$name/$path-1.0" "$path" 1.0 "$model" "$data" "$pre" "${extra_args[@]}")"
    dense="-"
    for j in "$work/$name/$path-0.5/search.json" "$work/$name/$path-1.0/search.json"; do
      [[ -f "$j" ]] && dense=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['search']['reference_bytes'])" "$j")
    done
    row "$name" "$path" "$dense" "$b1" "${r1}x" "$l1" "$b2" "${r2}x" "$l2" "$nn05/$nn10" \
      "$(target "$nn05")/$(target "$nn10")" "$s1/$s2" "$e1/$e2" "$d1/$d2"
  done
  if [[ "$heldout" == 1 && "$data" == "$fashion_test" && " $paths_wanted " == *" rate "* ]]; then
    cells=() times=()
    for budget in 0.5 1.0; do
      dir="$work/$name/rate-heldout-$budget"
      read -r b r _ s e d <<<"$(cell "$dir" rate "$budget" "$model" "$fashion_train" "$pre" --limit 10000)"
      if [[ "$b" == - ]]; then cells+=("-" "-" "-"); times+=("-" "-" "-"); continue; fi
      cells+=("$b" "${r}x" "$(test_loss "$model" "$dir/model.dcz" "$fashion_test" "$pre")")
      times+=("$s" "$e" "$d")
    done
    row "$name" "held-out" "$dense" "${cells[@]}" "" "" "${times[0]}/${times[3]}" "${times[1]}/${times[4]}" \
      "${times[2]}/${times[5]}"
  fi
done
echo "(dense: bytes of every tensor dense; B: .dcz bytes; ratio = dense / B; loss: top-1 points measured on the" \
     "full test set; searched on the test set except 'held-out' rows (Fashion-MNIST training images);" \
     "times: search / build of the chosen candidate / decode, seconds, for <=0.5 / <=1.0; logs in $work)"
