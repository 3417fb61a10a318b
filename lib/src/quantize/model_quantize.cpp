// quantize_model: selection, per-layer bit widths, then quantize_tensor over the selected
// weights. Big layers run one at a time with every thread inside them; the rest run one per
// thread. Each layer's result depends only on its bytes and options, so the schedule never
// changes the output.
#include <algorithm>
#include <chrono>
#include <numeric>

#include "dcz/onnx_model.h"
#include "dcz/quantize.h"
#include "prune/kernels.h"
#include "quantize/parallel.h"

namespace dcz {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A layer at least this big gets all threads to itself (sort buckets, chunks, DP directions).
constexpr std::uint64_t kBigLayer = std::uint64_t{1} << 22;

Status check_width(unsigned value, std::string_view what) {
  if (value >= 1 && value <= 16) return Status::ok();
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(what) + " " + std::to_string(value) + " is outside 1..16");
}

Status check_options(const QuantizeOptions& o) {
  if (o.bits) DCZ_TRY(check_width(*o.bits, "--bits"));
  DCZ_TRY(check_width(o.conv_bits, "--conv-bits"));
  DCZ_TRY(check_width(o.fc_bits, "--fc-bits"));
  DCZ_TRY(check_width(o.conv_index_bits, "conv relative-index width"));
  DCZ_TRY(check_width(o.fc_index_bits, "fc relative-index width"));
  return Status::ok();
}

unsigned layer_bits(const QuantizeOptions& o, const SelectedWeight& w) {
  if (o.bits) return *o.bits;
  if (o.recipe) {
    if (const auto b = recipe_bits(*o.recipe, w.name, w.kind)) return static_cast<unsigned>(*b);
  }
  return w.kind == SelectedWeight::LayerKind::kConv ? o.conv_bits : o.fc_bits;
}

// Checks the selection and fills the static part of each layer's row.
Status describe_layers(const OnnxModel& model, const std::vector<SelectedWeight>& selected,
                       const QuantizeOptions& options, std::vector<LayerQuantizeReport>& rows) {
  DCZ_TRY(check_selected_weights(model, selected, "quantized"));
  for (std::size_t l = 0; l < selected.size(); ++l) {
    const SelectedWeight& w = selected[l];
    LayerQuantizeReport& row = rows[l];
    row.name = w.name;
    row.op_type = w.op_type;
    row.kind = w.kind;
    row.dtype = model.tensor(w.tensor_index).dtype;
    row.original_bytes = model.tensor_bytes(w.tensor_index).size();
    row.bits = layer_bits(options, w);
    DCZ_TRY(check_width(row.bits, "bit width of layer '" + w.name + "':"));
    row.index_bits = w.kind == SelectedWeight::LayerKind::kConv ? options.conv_index_bits
                                                                : options.fc_index_bits;
  }
  return Status::ok();
}

// The paper's storage for one quantized layer (header: LayerQuantizeReport).
void estimate_paper_size(std::span<const std::uint8_t> bytes, LayerQuantizeReport& row) {
  const std::uint64_t entries = prune::relative_index_entries(bytes, row.dtype, row.index_bits);
  row.filler_entries = entries - row.stats.nonzeros;
  row.paper_pq_bits = entries * (row.bits + row.index_bits) +
                      std::uint64_t{row.stats.codebook_size} * dtype_size(row.dtype) * 8;
}

// Runs every layer, big ones first with all threads; returns the first error in layer order.
Status quantize_layers(std::span<const std::span<std::uint8_t>> spans, const KMeansOptions& kmeans,
                       std::vector<LayerQuantizeReport>& rows) {
  const unsigned threads = quantize::resolve_threads(kmeans.threads);
  std::vector<Status> statuses(rows.size());
  auto run = [&](std::size_t l, unsigned inner_threads) {
    KMeansOptions o = kmeans;
    o.threads = inner_threads;
    auto stats = quantize_tensor(rows[l].dtype, spans[l], rows[l].bits, o, rows[l].name);
    if (!stats.is_ok()) {
      statuses[l] = std::move(stats).take_status();
      return;
    }
    rows[l].stats = *stats;
    estimate_paper_size(spans[l], rows[l]);
  };
  std::vector<std::size_t> big, small;
  for (std::size_t l = 0; l < rows.size(); ++l) {
    (spans[l].size() / dtype_size(rows[l].dtype) >= kBigLayer ? big : small).push_back(l);
  }
  auto larger_first = [&](std::size_t a, std::size_t b) {
    return spans[a].size() > spans[b].size();
  };
  std::stable_sort(big.begin(), big.end(), larger_first);
  std::stable_sort(small.begin(), small.end(), larger_first);
  for (const std::size_t l : big) run(l, threads);
  quantize::parallel_for(small.size(), threads, [&](std::size_t i) { run(small[i], 1); });
  for (Status& s : statuses) {
    if (!s.is_ok()) return std::move(s);
  }
  return Status::ok();
}

void add_totals(const OnnxModel& model, QuantizeReport& report) {
  for (std::size_t i = 0; i < model.tensor_count(); ++i)
    report.model_bytes += model.tensor_bytes(i).size();
  std::uint64_t selected_bytes = 0, estimate_bits = 0;
  for (const LayerQuantizeReport& row : report.layers) {
    report.weights += row.stats.elements;
    report.nonzeros += row.stats.nonzeros;
    report.sse += row.stats.sse;
    report.signal += row.stats.signal;
    report.max_abs_error = std::max(report.max_abs_error, row.stats.max_abs_error);
    selected_bytes += row.original_bytes;
    estimate_bits += row.paper_pq_bits;
  }
  report.paper_pq_estimate_bytes = report.model_bytes - selected_bytes + (estimate_bits + 7) / 8;
}

}  // namespace

Result<QuantizeReport> quantize_model(OnnxModel& model, const QuantizeOptions& options) {
  DCZ_TRY(check_options(options));
  QuantizeReport report;
  report.method = options.kmeans.method;
  report.init = options.kmeans.init;
  report.seed = options.kmeans.seed;
  auto start = Clock::now();
  DCZ_ASSIGN_OR_RETURN(std::vector<SelectedWeight> selected,
                       select_weights(model, options.selection));
  if (options.recipe) DCZ_TRY(check_recipe_layers(*options.recipe, selected));
  report.layers.resize(selected.size());
  DCZ_TRY(describe_layers(model, selected, options, report.layers));
  report.seconds_select = seconds_since(start);

  start = Clock::now();
  // Writable views are taken up front on this thread; the workers only touch their bytes.
  std::vector<std::span<std::uint8_t>> spans;
  for (const SelectedWeight& w : selected)
    spans.push_back(model.mutable_tensor_bytes(w.tensor_index));
  DCZ_TRY(quantize_layers(spans, options.kmeans, report.layers));
  add_totals(model, report);
  report.seconds_quantize = seconds_since(start);
  return report;
}

}  // namespace dcz
