// search_tradeoff: the chosen file is within budget on the search data, it is the smallest
// feasible candidate evaluated (also when accuracy is not monotone in t), the search is
// deterministic and bounded, and bad budgets are refused.
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "dcz/codec.h"
#include "dcz/tradeoff_search.h"
#include "eval/test_files.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

// --- A synthetic family on tiny_mlp.onnx (logits_k = pixel_k + 0.1 × pixel_3 + b_k), where the
// number of errors is set exactly: class-0 samples have pixel 0 = 1..50, and a bias b_0 = −d
// makes the d − 1 of them below d wrong (ties go to class 0). 50 more samples are of classes 1
// and 2 and stay right. So correct = 100 − (d − 1) for d in 1..51.

Dataset synthetic_dataset() {
  Dataset d;
  d.name = "synthetic";
  d.sample_shape = {1, 2, 2};
  for (int i = 0; i < 100; ++i) {
    std::uint8_t px[4] = {0, 0, 0, 0};
    int label = i < 50 ? 0 : 1 + i % 2;
    px[label] = static_cast<std::uint8_t>(i < 50 ? i + 1 : 100);
    d.pixels.insert(d.pixels.end(), px, px + 4);
    d.labels.push_back(label);
  }
  return d;
}

OnnxModel tiny_model() {
  auto m = OnnxModel::load(test::eval_data("tiny_mlp.onnx"));
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return std::move(m).value();
}

// The family whose candidate at t loses damage(t) − 1 samples and weighs size(t) bytes (the
// "file" is a stand-in: the search only measures its size).
TradeoffFamily synthetic_family(std::function<int(double)> damage, std::function<std::uint64_t(double)> size,
                                double t_min = 1, double t_start = 4, double t_max = 64) {
  TradeoffFamily f;
  f.parameter = "t";
  f.t_min = t_min;
  f.t_start = t_start;
  f.t_max = t_max;
  f.build = [damage, size](double t) -> Result<TradeoffCandidate> {
    OnnxModel m = tiny_model();
    for (std::size_t i = 0; i < m.tensor_count(); ++i) {
      if (m.tensor(i).name != "b") continue;
      float b0 = -static_cast<float>(damage(t));
      std::memcpy(m.mutable_tensor_bytes(i).data(), &b0, sizeof b0);
    }
    return TradeoffCandidate{std::move(m), std::vector<std::uint8_t>(size(t), 0)};
  };
  return f;
}

TradeoffSearchOptions synthetic_options(double max_drop = 5) {
  TradeoffSearchOptions o;
  o.max_drop = max_drop;  // 5 points of 100 samples: at most 5 lost, so damage <= 6 is feasible
  o.eval.batch_size = 16;
  o.eval.threads = 1;
  return o;
}

std::uint64_t size_falling(double t) { return static_cast<std::uint64_t>(std::llround(100000 / t)); }

// The properties every result must have, whatever the family.
void expect_sound(const TradeoffSearchResult& r, const TradeoffSearchOptions& o) {
  const TradeoffSearchReport& rep = r.report;
  EXPECT_LE(rep.evaluations.size(), o.max_evaluations);
  EXPECT_EQ(rep.allowed_drop, static_cast<std::uint64_t>(std::floor(o.max_drop / 100 * rep.samples + 1e-9)));
  ASSERT_EQ(rep.best.has_value(), r.best.has_value());
  std::optional<std::uint64_t> smallest;
  for (const TradeoffEvaluation& e : rep.evaluations) {
    EXPECT_EQ(e.feasible, e.correct + rep.allowed_drop >= rep.baseline_correct) << e.t;
    if (e.feasible && (!smallest || e.bytes < *smallest)) smallest = e.bytes;
  }
  EXPECT_EQ(rep.best.has_value(), smallest.has_value());
  if (!rep.best) return;
  const TradeoffEvaluation& best = rep.evaluations[*rep.best];
  EXPECT_TRUE(best.feasible);
  EXPECT_EQ(best.bytes, *smallest);
  EXPECT_EQ(r.best->encoded.size(), best.bytes);
  for (std::size_t i = 0; i < *rep.best; ++i) {
    if (rep.evaluations[i].feasible) {
      EXPECT_GT(rep.evaluations[i].bytes, best.bytes) << "ties: the earlier wins";
    }
  }
}

TEST(TradeoffSearch, MonotoneFamilyConvergesToTheBudgetBoundary) {
  // damage = floor(t): feasible exactly for t < 7; the file shrinks with t.
  auto family = synthetic_family([](double t) { return static_cast<int>(std::floor(t)); }, size_falling);
  TradeoffSearchOptions o = synthetic_options();
  o.tolerance = 0.01;
  o.max_evaluations = 30;
  auto r = search_tradeoff(tiny_model(), synthetic_dataset(), family, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  expect_sound(*r, o);
  EXPECT_EQ(r->report.samples, 100u);
  EXPECT_EQ(r->report.baseline_correct, 100u);
  EXPECT_EQ(r->report.allowed_drop, 5u);
  ASSERT_TRUE(r->report.best);
  const TradeoffEvaluation& best = r->report.evaluations[*r->report.best];
  EXPECT_LT(best.t, 7.0);
  EXPECT_GT(best.t, 7.0 / 1.01);
  EXPECT_EQ(best.correct, 100u - (static_cast<std::uint64_t>(best.t) - 1));
  // The measured count is the model's: a fresh evaluation of the chosen model agrees.
  auto recount = count_top1_correct(r->best->model, synthetic_dataset(), o.eval);
  ASSERT_TRUE(recount.is_ok());
  EXPECT_EQ(*recount, best.correct);
  // Bracketing from t = 4 went up (feasible) and stopped at the first infeasible t.
  EXPECT_EQ(r->report.evaluations[0].t, 4.0);
  EXPECT_TRUE(r->report.evaluations[0].feasible);
  EXPECT_EQ(r->report.evaluations[1].t, 16.0);
  EXPECT_FALSE(r->report.evaluations[1].feasible);
}

TEST(TradeoffSearch, NonMonotoneAccuracyNeverReturnsAnInfeasibleCandidate) {
  // Feasible below 7 and again in [20, 30); the file is smallest at the (infeasible) large t, and
  // in [20, 30) it is smaller than anywhere below 7.
  auto damage = [](double t) { return t < 7 || (t >= 20 && t < 30) ? 1 : 40; };
  auto family = synthetic_family(damage, size_falling, 1, 24, 64);
  TradeoffSearchOptions o = synthetic_options();
  auto r = search_tradeoff(tiny_model(), synthetic_dataset(), family, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  expect_sound(*r, o);
  ASSERT_TRUE(r->report.best);
  const TradeoffEvaluation& best = r->report.evaluations[*r->report.best];
  EXPECT_GE(best.t, 20.0);
  EXPECT_LT(best.t, 30.0);
  bool some_smaller_infeasible = false;
  for (const auto& e : r->report.evaluations) some_smaller_infeasible |= !e.feasible && e.bytes < best.bytes;
  EXPECT_TRUE(some_smaller_infeasible);

  // Sizes that are not monotone either: the smallest feasible file wins, not the largest t.
  auto bumpy = [](double t) -> std::uint64_t { return t < 3 ? 500 : 1000; };
  auto r2 = search_tradeoff(tiny_model(), synthetic_dataset(), synthetic_family(damage, bumpy, 1, 2, 64), o);
  ASSERT_TRUE(r2.is_ok()) << r2.status().to_string();
  expect_sound(*r2, o);
  ASSERT_TRUE(r2->report.best);
  EXPECT_EQ(r2->report.evaluations[*r2->report.best].bytes, 500u);
}

TEST(TradeoffSearch, NothingWithinBudgetGivesNoCandidate) {
  auto family = synthetic_family([](double) { return 40; }, size_falling);
  TradeoffSearchOptions o = synthetic_options();
  auto r = search_tradeoff(tiny_model(), synthetic_dataset(), family, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  expect_sound(*r, o);
  EXPECT_FALSE(r->report.best);
  EXPECT_FALSE(r->best);
  // It went down to t_min and stopped there.
  EXPECT_EQ(r->report.evaluations.back().t, 1.0);
}

TEST(TradeoffSearch, EverythingWithinBudgetStopsAtTheTopOfTheRange) {
  auto family = synthetic_family([](double) { return 1; }, size_falling);
  TradeoffSearchOptions o = synthetic_options();
  auto r = search_tradeoff(tiny_model(), synthetic_dataset(), family, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  expect_sound(*r, o);
  ASSERT_TRUE(r->report.best);
  EXPECT_EQ(r->report.evaluations[*r->report.best].t, 64.0);
  EXPECT_EQ(r->report.evaluations.back().t, 64.0);
}

TEST(TradeoffSearch, EvaluationCountIsBounded) {
  auto family = synthetic_family([](double t) { return static_cast<int>(std::floor(t)); }, size_falling);
  for (unsigned bound : {1u, 2u, 3u, 5u}) {
    TradeoffSearchOptions o = synthetic_options();
    o.max_evaluations = bound;
    o.tolerance = 1e-9;  // would bisect forever without the bound
    std::size_t reported = 0;
    o.on_evaluation = [&](const TradeoffEvaluation&) { ++reported; };
    auto r = search_tradeoff(tiny_model(), synthetic_dataset(), family, o);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    expect_sound(*r, o);
    EXPECT_EQ(r->report.evaluations.size(), bound);
    EXPECT_EQ(reported, bound);  // every evaluation is reported
  }
}

TEST(TradeoffSearch, BadBudgetsAndOptionsAreInvalidArguments) {
  auto family = synthetic_family([](double) { return 1; }, size_falling);
  for (double budget : {0.0, -0.5, 100.5, std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity()}) {
    auto r = search_tradeoff(tiny_model(), synthetic_dataset(), family, synthetic_options(budget));
    ASSERT_FALSE(r.is_ok()) << budget;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << budget;
  }
  TradeoffSearchOptions o = synthetic_options();
  o.max_evaluations = 0;
  EXPECT_EQ(search_tradeoff(tiny_model(), synthetic_dataset(), family, o).status().code(),
            ErrorCode::kInvalidArgument);
  o = synthetic_options();
  o.bracket_factor = 1;
  EXPECT_EQ(search_tradeoff(tiny_model(), synthetic_dataset(), family, o).status().code(),
            ErrorCode::kInvalidArgument);
  TradeoffFamily reversed = family;
  reversed.t_start = 100;  // above t_max
  EXPECT_EQ(search_tradeoff(tiny_model(), synthetic_dataset(), reversed, synthetic_options()).status().code(),
            ErrorCode::kInvalidArgument);
  Dataset empty = synthetic_dataset();
  empty.pixels.clear();
  empty.labels.clear();
  EXPECT_EQ(search_tradeoff(tiny_model(), empty, family, synthetic_options()).status().code(),
            ErrorCode::kBadDataset);
}

TEST(TradeoffSearch, DataThatDoesNotFitTheModelIsAShapeMismatch) {
  auto family = synthetic_family([](double) { return 1; }, size_falling);
  Dataset wrong = synthetic_dataset();
  wrong.sample_shape = {1, 4, 1, 1};  // rank 4 against the model's [N, 1, 2, 2]
  auto r = search_tradeoff(tiny_model(), wrong, family, synthetic_options());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kShapeMismatch) << r.status().to_string();
}

// --- The classic Deep Compression family on the LeNet-300-100 sample and 1,000 Fashion-MNIST
// test images.

struct LeNetCase {
  OnnxModel model;
  Dataset data;
};

std::optional<LeNetCase> lenet_case() {
  const fs::path model = test::source_dir() / "samples/lenet300100.onnx";
  const fs::path fashion = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(model) || !fs::exists(fashion)) return std::nullopt;
  auto m = OnnxModel::load(model);
  DatasetLoadOptions load;
  load.limit = 1000;
  auto d = load_dataset({DatasetSpec::Kind::kIdx, fashion / "t10k-images-idx3-ubyte.gz",
                         fashion / "t10k-labels-idx1-ubyte.gz"}, load);
  EXPECT_TRUE(m.is_ok() && d.is_ok());
  if (!m.is_ok() || !d.is_ok()) return std::nullopt;
  return LeNetCase{std::move(m).value(), std::move(d).value()};
}

Result<TradeoffSearchResult> classic_search(const LeNetCase& c, unsigned threads) {
  ClassicFamilyOptions f;
  f.threads = threads;
  TradeoffSearchOptions o;
  o.max_drop = 1.0;
  o.max_evaluations = 8;
  o.eval.preprocess.scale = 1.0 / 255;
  o.eval.threads = threads;
  return search_tradeoff(c.model, c.data, classic_tradeoff_family(c.model, f), o);
}

TEST(TradeoffSearch, ClassicPathOnLeNet300100IsWithinBudgetSmallestAndDeterministic) {
  auto c = lenet_case();
  if (!c) GTEST_SKIP() << "no samples/lenet300100.onnx or Fashion-MNIST (Debian dataset-fashion-mnist)";
  auto r = classic_search(*c, 1);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  TradeoffSearchOptions bound;
  bound.max_drop = 1.0;
  bound.max_evaluations = 8;
  expect_sound(*r, bound);
  ASSERT_TRUE(r->report.best);
  EXPECT_EQ(r->report.allowed_drop, 10u);
  EXPECT_EQ(r->report.reference_bytes, dense_tensor_bytes(c->model));
  // The budget was really exercised: some candidate was over it.
  bool some_over = false;
  for (const auto& e : r->report.evaluations) some_over |= !e.feasible;
  EXPECT_TRUE(some_over);

  // What the file holds is what was measured: decode it and evaluate it independently.
  auto decoded = decode_model(r->best->encoded, "best.dcz");
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  auto onnx = decoded->serialize();
  ASSERT_TRUE(onnx.is_ok());
  EvalOptions eval;
  eval.preprocess.scale = 1.0 / 255;
  auto report = evaluate_models({EvalModel{"best", *onnx}}, c->data, eval);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  const TradeoffEvaluation& best = r->report.evaluations[*r->report.best];
  EXPECT_EQ(report->models[0].top1_correct, best.correct);
  EXPECT_LE(r->report.baseline_correct, best.correct + 10);
  // Pruned for real (without retraining, 90 % at t = 10 is far over budget; measured: t ≈ 2.6).
  EXPECT_GT(best.t, 1.5);

  // Same evaluations and the same file with another thread count.
  auto again = classic_search(*c, 2);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  ASSERT_EQ(again->report.evaluations.size(), r->report.evaluations.size());
  for (std::size_t i = 0; i < r->report.evaluations.size(); ++i) {
    EXPECT_EQ(again->report.evaluations[i].t, r->report.evaluations[i].t);
    EXPECT_EQ(again->report.evaluations[i].bytes, r->report.evaluations[i].bytes);
    EXPECT_EQ(again->report.evaluations[i].correct, r->report.evaluations[i].correct);
  }
  EXPECT_EQ(again->report.baseline_correct, r->report.baseline_correct);
  ASSERT_TRUE(again->best);
  EXPECT_TRUE(again->best->encoded == r->best->encoded);
}

TEST(TradeoffSearch, ReportsListEveryEvaluation) {
  auto family = synthetic_family([](double t) { return static_cast<int>(std::floor(t)); }, size_falling);
  TradeoffSearchOptions o = synthetic_options();
  auto r = search_tradeoff(tiny_model(), synthetic_dataset(), family, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  std::string text = format_tradeoff_text(r->report);
  std::string json = format_tradeoff_json(r->report);
  for (std::size_t i = 0; i < r->report.evaluations.size(); ++i) {
    std::string bytes = std::to_string(r->report.evaluations[i].bytes);
    EXPECT_NE(text.find(bytes), std::string::npos) << bytes;
    EXPECT_NE(json.find("\"bytes\": " + bytes), std::string::npos) << bytes;
  }
  EXPECT_NE(text.find("<- smallest within budget"), std::string::npos);
  EXPECT_NE(json.find("\"best\": " + std::to_string(*r->report.best)), std::string::npos);
}

// --- Per-layer refinement (step 4). Two layers: "big" weighs 10,000 / t_big bytes and "small"
// 1,000 / t_small (t_i = t × multiplier i); the accuracy barely depends on the big one. So
// moving bits from the big layer to the small one keeps the budget with a smaller file, which
// one t cannot do.

using LayeredDamage = std::function<int(double t_big, double t_small)>;

int insensitive_big(double t_big, double t_small) { return static_cast<int>(std::floor(0.1 * t_big + 20 * t_small)); }

TradeoffFamily layered_family(LayeredDamage damage, bool with_layers = true) {
  auto build = [damage](double t, const std::vector<double>& scales) -> Result<TradeoffCandidate> {
    const double t_big = t * (scales.empty() ? 1 : scales[0]), t_small = t * (scales.empty() ? 1 : scales[1]);
    const auto big = static_cast<std::uint64_t>(std::llround(10000 / t_big));
    const auto small = static_cast<std::uint64_t>(std::llround(1000 / t_small));
    auto f = synthetic_family([&](double) { return damage(t_big, t_small); }, [&](double) { return big + small; });
    DCZ_ASSIGN_OR_RETURN(TradeoffCandidate c, f.build(t));
    c.layer_bytes = {big, small};
    return c;
  };
  TradeoffFamily f;
  f.parameter = "t";
  f.t_min = 0.01;
  f.t_start = 0.04;
  f.t_max = 10;
  f.build = [build](double t) { return build(t, {}); };
  if (with_layers) {
    f.layers = {"big", "small"};
    f.build_scaled = build;
  }
  return f;
}

TradeoffSearchOptions refine_options(unsigned refine) {
  TradeoffSearchOptions o = synthetic_options();
  o.max_evaluations = 8;
  o.refine_evaluations = refine;
  return o;
}

void expect_same_evaluations(const TradeoffSearchReport& a, const TradeoffSearchReport& b, std::size_t count) {
  ASSERT_GE(a.evaluations.size(), count);
  ASSERT_GE(b.evaluations.size(), count);
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_EQ(a.evaluations[i].t, b.evaluations[i].t) << i;
    EXPECT_EQ(a.evaluations[i].scales, b.evaluations[i].scales) << i;
    EXPECT_EQ(a.evaluations[i].bytes, b.evaluations[i].bytes) << i;
    EXPECT_EQ(a.evaluations[i].correct, b.evaluations[i].correct) << i;
  }
}

TEST(TradeoffRefine, FindsASmallerFeasibleFileThanOneParameterCan) {
  const TradeoffSearchOptions o0 = refine_options(0), o = refine_options(6);
  auto plain = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(insensitive_big), o0);
  auto refined = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(insensitive_big), o);
  ASSERT_TRUE(plain.is_ok() && refined.is_ok()) << plain.status().to_string() << refined.status().to_string();
  TradeoffSearchOptions bound = o;
  bound.max_evaluations += o.refine_evaluations;
  expect_sound(*plain, o0);
  expect_sound(*refined, bound);
  // Steps 1-3 are the same evaluations; refinement only adds candidates after them.
  const std::size_t bisection = plain->report.evaluations.size();
  expect_same_evaluations(plain->report, refined->report, bisection);
  ASSERT_GT(refined->report.evaluations.size(), bisection);
  EXPECT_LE(refined->report.evaluations.size(), bisection + 6);
  for (std::size_t i = 0; i < refined->report.evaluations.size(); ++i) {
    EXPECT_EQ(refined->report.evaluations[i].scales.size(), i < bisection ? 0u : 2u) << i;
  }
  EXPECT_EQ(refined->report.layers, (std::vector<std::string>{"big", "small"}));
  ASSERT_TRUE(plain->report.best && refined->report.best);
  const TradeoffEvaluation& before = plain->report.evaluations[*plain->report.best];
  const TradeoffEvaluation& after = refined->report.evaluations[*refined->report.best];
  EXPECT_LT(after.bytes, before.bytes);
  EXPECT_EQ(after.t, before.t) << "refinement moves multipliers, not t";
  ASSERT_EQ(after.scales.size(), 2u);
  EXPECT_GT(after.scales[0], after.scales[1]) << "the insensitive big layer got coarser than the small one";
}

TEST(TradeoffRefine, NeverReturnsAnInfeasibleOrLargerCandidate) {
  // Every multiplier other than 1 breaks the model and shrinks the file.
  auto damage = [](double t_big, double t_small) { return t_big != t_small ? 40 : insensitive_big(t_big, t_small); };
  auto plain = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(damage), refine_options(0));
  auto refined = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(damage), refine_options(5));
  ASSERT_TRUE(plain.is_ok() && refined.is_ok());
  TradeoffSearchOptions bound = refine_options(5);
  bound.max_evaluations += 5;
  expect_sound(*refined, bound);
  ASSERT_TRUE(plain->report.best && refined->report.best);
  EXPECT_EQ(*refined->report.best, *plain->report.best);
  EXPECT_TRUE(refined->report.evaluations[*refined->report.best].scales.empty());
  EXPECT_EQ(refined->best->encoded.size(), plain->best->encoded.size());
  bool some_smaller_infeasible = false;
  for (const auto& e : refined->report.evaluations) some_smaller_infeasible |= !e.feasible && e.bytes < plain->best->encoded.size();
  EXPECT_TRUE(some_smaller_infeasible) << "the refinement did try smaller files";
}

TEST(TradeoffRefine, ZeroOrNoLayersIsTheSearchWithoutRefinement) {
  // refine_evaluations 0 with layers, and the default refinement on a family without layers (the
  // classic path), both run exactly the evaluations of steps 1-3.
  auto off = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(insensitive_big), refine_options(0));
  auto no_layers = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(insensitive_big, false),
                                   refine_options(8));
  ASSERT_TRUE(off.is_ok() && no_layers.is_ok());
  ASSERT_EQ(off->report.evaluations.size(), no_layers->report.evaluations.size());
  expect_same_evaluations(off->report, no_layers->report, off->report.evaluations.size());
  EXPECT_EQ(off->report.best, no_layers->report.best);
  EXPECT_LE(off->report.evaluations.size(), 8u);
  EXPECT_TRUE(no_layers->report.layers.empty());
  // No feasible candidate: nothing to refine from.
  auto none = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family([](double, double) { return 40; }),
                              refine_options(8));
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->report.best);
  for (const auto& e : none->report.evaluations) EXPECT_TRUE(e.scales.empty());
}

TEST(TradeoffRefine, IsDeterministicNeverRepeatsACandidateAndLogsTheMultipliers) {
  auto a = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(insensitive_big), refine_options(16));
  auto b = search_tradeoff(tiny_model(), synthetic_dataset(), layered_family(insensitive_big), refine_options(16));
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  ASSERT_EQ(a->report.evaluations.size(), b->report.evaluations.size());
  expect_same_evaluations(a->report, b->report, a->report.evaluations.size());
  EXPECT_EQ(a->report.best, b->report.best);
  // Paths that meet (× 2 then × √2, × √2 three times) meet exactly: no point is built twice.
  std::set<std::vector<double>> points{{1.0, 1.0}};
  for (const TradeoffEvaluation& e : a->report.evaluations) {
    if (!e.scales.empty()) {
      EXPECT_TRUE(points.insert(e.scales).second) << e.scales[0] << " " << e.scales[1];
    }
  }
  const std::string text = format_tradeoff_text(a->report);
  const auto json = nlohmann::json::parse(format_tradeoff_json(a->report));
  EXPECT_EQ(json["layers"], nlohmann::json({"big", "small"}));
  const TradeoffEvaluation& best = a->report.evaluations[*a->report.best];
  const auto& chosen = json["evaluations"][*a->report.best]["multipliers"];
  EXPECT_EQ(chosen["big"].get<double>(), best.scales[0]);
  EXPECT_EQ(chosen["small"].get<double>(), best.scales[1]);
  EXPECT_TRUE(json["evaluations"][0]["multipliers"].empty());
  char big[32];
  std::snprintf(big, sizeof big, "big x%.4g", best.scales[0]);
  EXPECT_NE(text.find(big), std::string::npos) << text;
  EXPECT_NE(text.find(std::string("Chosen: #") + std::to_string(*a->report.best + 1)), std::string::npos);
}

// The rate family on LeNet-300-100: its layers are the selected weights, refinement candidates
// are real files (the chosen one decodes to the model whose accuracy was measured).
TEST(TradeoffRefine, RateFamilyRefinesLeNet300100) {
  auto c = lenet_case();
  if (!c) GTEST_SKIP() << "no samples/lenet300100.onnx or Fashion-MNIST (Debian dataset-fashion-mnist)";
  const TradeoffFamily family = rate_tradeoff_family(c->model, {});
  EXPECT_EQ(family.layers, (std::vector<std::string>{"fc1.weight", "fc2.weight", "fc3.weight"}));
  TradeoffSearchOptions o;
  o.max_drop = 1.0;
  o.max_evaluations = 5;
  o.refine_evaluations = 3;
  o.eval.preprocess.scale = 1.0 / 255;
  auto r = search_tradeoff(c->model, c->data, family, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  TradeoffSearchOptions bound = o;
  bound.max_evaluations = 8;
  expect_sound(*r, bound);
  ASSERT_TRUE(r->best);
  // Per-layer bytes of the chosen file: fc1 holds the most, and together they are most of the file.
  const auto& bytes = r->best->layer_bytes;
  ASSERT_EQ(bytes.size(), 3u);
  EXPECT_GT(bytes[0], bytes[1]);
  EXPECT_LT(bytes[0] + bytes[1] + bytes[2], r->best->encoded.size());
  bool refined = false;
  for (const auto& e : r->report.evaluations) refined |= e.scales.size() == 3;
  EXPECT_TRUE(refined);
  auto recount = count_top1_correct(r->best->model, c->data, o.eval);
  ASSERT_TRUE(recount.is_ok());
  EXPECT_EQ(*recount, r->report.evaluations[*r->report.best].correct);
}

}  // namespace
}  // namespace dcz
