// analyze_sensitivity: the single-layer sweep, the per-layer choice and the verified back-off.
#include "dcz/sensitivity.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "dcz/onnx_model.h"
#include "dcz/prune.h"

namespace dcz {

namespace {

bool is_prune(SensitivityStage stage) { return stage == SensitivityStage::kPrune; }

// Least aggressive first: ascending sparsity, descending bits.
Result<std::vector<double>> sorted_settings(const SensitivityOptions& o) {
  std::vector<double> s = o.settings;
  if (s.empty()) {
    s = is_prune(o.stage) ? std::vector<double>{0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95}
                          : std::vector<double>{8, 7, 6, 5, 4, 3, 2};
  }
  for (double v : s) {
    bool ok = is_prune(o.stage) ? v >= 0 && v < 1 : v >= 1 && v <= 16 && v == std::floor(v);
    if (!ok) {
      return make_error(ErrorCode::kInvalidArgument,
                        "sensitivity setting " + std::to_string(v) +
                            (is_prune(o.stage) ? " is not a sparsity in [0, 1)" : " is not a bit width 1..16"));
    }
  }
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  if (!is_prune(o.stage)) std::reverse(s.begin(), s.end());
  return s;
}

// Runs fn(i) for i in [0, n) on `threads` workers; the first error by index wins.
Status parallel_jobs(std::size_t n, unsigned threads, const std::function<Status(std::size_t)>& fn) {
  std::vector<Status> results(n);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) results[i] = fn(i);
  };
  unsigned count = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(n)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < count; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  for (Status& s : results) {
    if (!s) return std::move(s);
  }
  return Status::ok();
}

struct Context {
  const OnnxModel& model;
  std::string base;  // the model serialized once; each job parses its own copy
  const Dataset& dataset;
  const SensitivityOptions& options;
  std::vector<SelectedWeight> selected;
  EvalOptions eval;  // single-threaded engine: parallelism is across jobs
  std::mutex progress_mutex;
  std::size_t done = 0, total = 0;
};

// Parses a fresh copy of the model, lets `change` modify it, evaluates it; returns top-1 correct.
Result<std::uint64_t> evaluate_variant(Context& c, const std::string& name,
                                       const std::function<Status(OnnxModel&)>& change) {
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(c.base.data()), c.base.size());
  DCZ_ASSIGN_OR_RETURN(OnnxModel copy, OnnxModel::parse(bytes, {}, name));
  DCZ_TRY(change(copy));
  EvalModel variant{name, {}};
  DCZ_ASSIGN_OR_RETURN(variant.onnx, copy.serialize());
  DCZ_ASSIGN_OR_RETURN(EvalReport report, evaluate_models({variant}, c.dataset, c.eval));
  if (c.options.progress) {
    std::lock_guard<std::mutex> lock(c.progress_mutex);
    c.options.progress(++c.done, c.total);
  }
  return report.models[0].top1_correct;
}

Status change_one_layer(OnnxModel& m, const Context& c, std::size_t layer, double setting) {
  const SelectedWeight& w = c.selected[layer];
  if (is_prune(c.options.stage)) {
    PrunePolicy policy;
    policy.kind = PrunePolicy::Kind::kSparsity;
    policy.value = setting;
    policy.threads = 1;
    return prune_model(m, {w}, policy).status();
  }
  KMeansOptions kmeans = c.options.kmeans;
  kmeans.threads = 1;
  DType dtype = m.tensor(w.tensor_index).dtype;
  return quantize_tensor(dtype, m.mutable_tensor_bytes(w.tensor_index), static_cast<unsigned>(setting), kmeans,
                         w.name)
      .status();
}

// Is `setting` more aggressive than `other`?
bool more_aggressive(SensitivityStage stage, double setting, double other) {
  return is_prune(stage) ? setting > other : setting < other;
}

// The recipe of the current per-layer choices (index into settings, or none).
Recipe recipe_of(const Context& c, const std::vector<std::optional<std::size_t>>& choice,
                 const std::vector<double>& settings) {
  Recipe r;
  for (std::size_t l = 0; l < choice.size(); ++l) {
    RecipeRule rule;
    if (is_prune(c.options.stage)) {
      if (!choice[l]) continue;
      rule.target = {PruneTarget::Kind::kSparsity, settings[*choice[l]]};
    } else {
      rule.bits = choice[l] ? static_cast<int>(settings[*choice[l]]) : 16;
    }
    r.layers[c.selected[l].name] = rule;
  }
  return r;
}

std::string setting_text(SensitivityStage stage, std::optional<double> v) {
  if (!v) return is_prune(stage) ? "unpruned" : "16 bits";
  char buf[32];
  std::snprintf(buf, sizeof buf, is_prune(stage) ? "%.4g" : "%.0f bits", *v);
  return buf;
}

}  // namespace

Status apply_recipe(OnnxModel& model, SensitivityStage stage, const Recipe& recipe,
                    const WeightSelection& selection, const KMeansOptions& kmeans) {
  if (is_prune(stage)) {
    DCZ_ASSIGN_OR_RETURN(std::vector<SelectedWeight> selected, select_weights(model, selection));
    PrunePolicy policy;
    policy.kind = PrunePolicy::Kind::kRecipe;
    policy.recipe = recipe;
    return prune_model(model, selected, policy).status();
  }
  QuantizeOptions q;
  q.selection = selection;
  q.recipe = recipe;
  q.kmeans = kmeans;
  return quantize_model(model, q).status();
}

Result<SensitivityReport> analyze_sensitivity(const OnnxModel& model, const Dataset& dataset,
                                              const SensitivityOptions& options) {
  SensitivityReport report;
  report.stage = options.stage;
  report.samples = dataset.size();
  report.max_drop = options.max_drop;
  if (!(options.max_drop >= 0)) return make_error(ErrorCode::kInvalidArgument, "--max-drop must be >= 0");
  DCZ_ASSIGN_OR_RETURN(report.settings, sorted_settings(options));
  DCZ_ASSIGN_OR_RETURN(std::string base, model.serialize());
  Context c{model, std::move(base), dataset, options, {}, options.eval, {}, 0, 0};
  DCZ_ASSIGN_OR_RETURN(c.selected, select_weights(model, options.selection));
  c.eval.threads = 0;
  c.eval.progress = nullptr;
  c.eval.keep_outputs = false;
  unsigned threads = options.eval.threads ? options.eval.threads : std::max(1u, std::thread::hardware_concurrency());
  set_engine_threads(1);

  const std::size_t layers = c.selected.size(), settings = report.settings.size();
  c.total = 1 + layers * settings;
  DCZ_ASSIGN_OR_RETURN(report.baseline_correct,
                       evaluate_variant(c, "baseline", [](OnnxModel&) { return Status::ok(); }));
  report.layers.resize(layers);
  for (std::size_t l = 0; l < layers; ++l) {
    report.layers[l].name = c.selected[l].name;
    report.layers[l].op_type = c.selected[l].op_type;
    report.layers[l].points.resize(settings);
  }
  DCZ_TRY(parallel_jobs(layers * settings, threads, [&](std::size_t job) -> Status {
    std::size_t l = job / settings, s = job % settings;
    double v = report.settings[s];
    auto correct = evaluate_variant(c, c.selected[l].name + " @ " + setting_text(options.stage, v),
                                    [&](OnnxModel& m) { return change_one_layer(m, c, l, v); });
    if (!correct) return correct.status();
    report.layers[l].points[s] = {v, *correct};
    return Status::ok();
  }));

  // Step 1: the most aggressive setting with it and all gentler ones within budget.
  const std::uint64_t allowed = static_cast<std::uint64_t>(
      std::floor(options.max_drop / 100.0 * static_cast<double>(dataset.size()) + 1e-9));
  auto within = [&](std::uint64_t correct) { return correct + allowed >= report.baseline_correct; };
  std::vector<std::optional<std::size_t>> choice(layers);
  for (std::size_t l = 0; l < layers; ++l) {
    for (std::size_t s = 0; s < settings && within(report.layers[l].points[s].correct); ++s) choice[l] = s;
    report.layers[l].chosen = choice[l];
  }

  // Step 2: verify the combined recipe; back off the most aggressive layer until within budget.
  std::string step = "initial";
  while (true) {
    report.recipe = recipe_of(c, choice, report.settings);
    ++c.total;
    DCZ_ASSIGN_OR_RETURN(std::uint64_t correct,
                         evaluate_variant(c, "combined recipe", [&](OnnxModel& m) {
                           return apply_recipe(m, options.stage, report.recipe, options.selection, options.kmeans);
                         }));
    report.steps.push_back({step, correct});
    report.combined_correct = correct;
    if (within(correct)) break;
    std::optional<std::size_t> victim;
    for (std::size_t l = 0; l < layers; ++l) {
      if (!choice[l]) continue;
      if (!victim) {
        victim = l;
        continue;
      }
      double a = report.settings[*choice[l]], b = report.settings[*choice[*victim]];
      std::uint64_t ca = report.layers[l].points[*choice[l]].correct;
      std::uint64_t cb = report.layers[*victim].points[*choice[*victim]].correct;
      if (more_aggressive(options.stage, a, b) || (a == b && ca < cb)) victim = l;
    }
    if (!victim) break;  // everything stepped out: the recipe is the identity (cannot happen for
                         // pruning; 16-bit quantization may still lose a sample or two)
    std::size_t l = *victim;
    std::optional<double> from = report.settings[*choice[l]];
    choice[l] = *choice[l] == 0 ? std::nullopt : std::optional<std::size_t>(*choice[l] - 1);
    std::optional<double> to;
    if (choice[l]) to = report.settings[*choice[l]];
    step = "layer " + c.selected[l].name + ": " + setting_text(options.stage, from) + " -> " +
           setting_text(options.stage, to);
  }
  return report;
}

}  // namespace dcz
