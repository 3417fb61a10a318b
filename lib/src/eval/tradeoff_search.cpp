// search_tradeoff: bracket and bisect the trade-off parameter on measured accuracy, then refine
// per layer (tradeoff_search_refine.cpp).
#include "dcz/tradeoff_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "eval/tradeoff_search_refine.h"

namespace dcz {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Status check_options(const TradeoffFamily& family, const TradeoffSearchOptions& o) {
  auto bad = [](const std::string& what) { return make_error(ErrorCode::kInvalidArgument, what); };
  if (!(o.max_drop > 0 && o.max_drop <= 100)) {
    return bad("the accuracy budget (max drop) must be in (0, 100] points, not " + std::to_string(o.max_drop));
  }
  if (!(family.t_min > 0 && family.t_min <= family.t_start && family.t_start <= family.t_max &&
        std::isfinite(family.t_max))) {
    return bad("the " + family.parameter + " range must satisfy 0 < min <= start <= max");
  }
  if (!family.build) return bad("the trade-off family has no builder");
  if (!(o.bracket_factor > 1 && std::isfinite(o.bracket_factor))) return bad("the bracket factor must be > 1");
  if (!(o.tolerance > 0 && std::isfinite(o.tolerance))) return bad("the bisection tolerance must be > 0");
  if (o.max_evaluations == 0) return bad("the search needs at least one evaluation");
  if (o.eval.batch_size == 0) return bad("batch size must be > 0");
  return Status::ok();
}

// Contiguous slices of the dataset, one per evaluation thread (built once per search). Slices
// start at multiples of the batch size, so every sample is run in the same batch as without
// sharding, whatever the thread count.
std::vector<Dataset> make_shards(const Dataset& data, unsigned count, std::size_t batch) {
  const std::size_t batches = (data.size() + batch - 1) / batch;
  count = std::max(1u, static_cast<unsigned>(std::min<std::size_t>(count, batches)));
  std::vector<Dataset> shards(count);
  const std::size_t elements = data.sample_elements();
  for (unsigned s = 0; s < count; ++s) {
    std::size_t first = std::min(data.size(), batches * s / count * batch);
    std::size_t last = std::min(data.size(), batches * (s + 1) / count * batch);
    Dataset& d = shards[s];
    d.name = data.name;
    d.sample_shape = data.sample_shape;
    d.is_float = data.is_float;
    if (data.is_float) {
      d.values.assign(data.values.begin() + first * elements, data.values.begin() + last * elements);
    } else {
      d.pixels.assign(data.pixels.begin() + first * elements, data.pixels.begin() + last * elements);
    }
    d.labels.assign(data.labels.begin() + first, data.labels.begin() + last);
  }
  return shards;
}

unsigned eval_threads(const EvalOptions& eval) {
  return eval.threads ? eval.threads : std::max(1u, std::thread::hardware_concurrency());
}

// Top-1 correct of a serialized model over the shards, one engine per shard on its own thread.
Result<std::uint64_t> count_on_shards(const std::string& onnx, const std::vector<Dataset>& shards,
                                      const EvalOptions& eval) {
  EvalOptions one = eval;
  one.threads = 0;  // keep the single thread set below; evaluate_models would reset it
  one.progress = nullptr;
  one.keep_outputs = false;
  if (shards.size() > 1) set_engine_threads(1);
  else set_engine_threads(eval.threads);
  const EvalModel model{"candidate", onnx};
  std::vector<Status> errors(shards.size());
  std::vector<std::uint64_t> correct(shards.size(), 0);
  auto job = [&](std::size_t s) {
    auto r = evaluate_models({model}, shards[s], one);
    if (r) correct[s] = r->models[0].top1_correct;
    else errors[s] = r.status();
  };
  std::vector<std::thread> pool;
  for (std::size_t s = 1; s < shards.size(); ++s) pool.emplace_back(job, s);
  job(0);
  for (std::thread& t : pool) t.join();
  for (Status& e : errors) {
    if (!e) return std::move(e);  // the first shard's error: the same whatever the thread count
  }
  std::uint64_t total = 0;
  for (std::uint64_t c : correct) total += c;
  return total;
}

struct Search {
  const TradeoffFamily& family;
  const TradeoffSearchOptions& options;
  std::vector<Dataset> shards;
  TradeoffSearchResult result;

  bool exhausted() const { return result.report.evaluations.size() >= options.max_evaluations; }

  // Builds and evaluates the candidate of t (with per-layer multipliers when `scales` is not
  // empty); keeps it when it is the smallest feasible so far.
  Result<bool> evaluate(double t, const std::vector<double>& scales = {}) {
    TradeoffEvaluation e;
    e.t = t;
    e.scales = scales;
    auto start = Clock::now();
    DCZ_ASSIGN_OR_RETURN(TradeoffCandidate candidate, scales.empty() ? family.build(t) : family.build_scaled(t, scales));
    e.seconds_build = seconds_since(start);
    e.bytes = candidate.encoded.size();
    start = Clock::now();
    DCZ_ASSIGN_OR_RETURN(std::string onnx, candidate.model.serialize());
    DCZ_ASSIGN_OR_RETURN(e.correct, count_on_shards(onnx, shards, options.eval));
    e.seconds_eval = seconds_since(start);
    TradeoffSearchReport& r = result.report;
    e.feasible = e.correct + r.allowed_drop >= r.baseline_correct;
    if (e.feasible && (!r.best || e.bytes < r.evaluations[*r.best].bytes)) {
      r.best = r.evaluations.size();
      result.best = std::move(candidate);
    }
    r.evaluations.push_back(e);
    if (options.on_evaluation) options.on_evaluation(e);
    return e.feasible;
  }

  // Steps 2 and 3 of the header: bracket from t_start, then bisect in log space.
  Status bisect() {
    double factor = options.bracket_factor;
    double low = 0, high = 0;  // feasible and infeasible ends (0: not found yet)
    double t = family.t_start;
    DCZ_ASSIGN_OR_RETURN(bool feasible, evaluate(t));
    (feasible ? low : high) = t;
    for (bool first = true; !exhausted() && (low == 0 || high == 0); first = false) {
      if (feasible && t >= family.t_max) return Status::ok();  // the whole range is within budget
      if (!feasible && t <= family.t_min) return Status::ok();  // nothing in range is
      if (!first) factor = std::min(factor * factor, 1e100);  // gallop: wide ranges in few steps
      t = feasible ? std::min(t * factor, family.t_max) : std::max(t / factor, family.t_min);
      DCZ_ASSIGN_OR_RETURN(feasible, evaluate(t));
      (feasible ? low : high) = t;
    }
    while (!exhausted() && high / low > 1 + options.tolerance) {
      const double mid = std::sqrt(low * high);
      DCZ_ASSIGN_OR_RETURN(bool ok, evaluate(mid));
      (ok ? low : high) = mid;
    }
    return Status::ok();
  }
};

}  // namespace

std::uint64_t dense_tensor_bytes(const OnnxModel& model) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < model.tensor_count(); ++i) total += model.tensor_bytes(i).size();
  return total;
}

Result<std::uint64_t> count_top1_correct(const OnnxModel& model, const Dataset& data, const EvalOptions& eval) {
  if (data.size() == 0) return make_error(ErrorCode::kBadDataset, data.name + ": the dataset is empty");
  if (eval.batch_size == 0) return make_error(ErrorCode::kInvalidArgument, "batch size must be > 0");
  DCZ_ASSIGN_OR_RETURN(std::string onnx, model.serialize());
  return count_on_shards(onnx, make_shards(data, eval_threads(eval), eval.batch_size), eval);
}

Result<TradeoffSearchResult> search_tradeoff(const OnnxModel& reference, const Dataset& data,
                                             const TradeoffFamily& family, const TradeoffSearchOptions& options) {
  DCZ_TRY(check_options(family, options));
  if (data.size() == 0) return make_error(ErrorCode::kBadDataset, data.name + ": the dataset is empty");
  Search search{family, options, make_shards(data, eval_threads(options.eval), options.eval.batch_size), {}};
  TradeoffSearchReport& r = search.result.report;
  r.parameter = family.parameter;
  r.layers = family.layers;
  r.samples = data.size();
  r.max_drop = options.max_drop;
  r.allowed_drop = static_cast<std::uint64_t>(std::floor(options.max_drop / 100.0 * static_cast<double>(r.samples) + 1e-9));
  r.reference_bytes = dense_tensor_bytes(reference);
  DCZ_ASSIGN_OR_RETURN(std::string onnx, reference.serialize());
  DCZ_ASSIGN_OR_RETURN(r.baseline_correct, count_on_shards(onnx, search.shards, options.eval));
  DCZ_TRY(search.bisect());
  DCZ_TRY(eval::refine_layers(family, search.result, options.refine_evaluations,
                              [&search](double t, const std::vector<double>& scales) { return search.evaluate(t, scales); }));
  return std::move(search.result);
}

}  // namespace dcz
