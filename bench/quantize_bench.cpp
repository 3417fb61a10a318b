// bench_quantize: measured time and peak memory of weight sharing, side by side with a naive
// O(n·k) Lloyd reference. Prints numbers; asserts nothing about speed.
//
//   bench_quantize [--dir D]   every case, each in a child process (models are made in D,
//                              default $TMPDIR/dcz_bench_quantize, and reused)
//   bench_quantize CASE ...    one case in this process (what the children run)
//
// Cases: a 5000×5000 float32 tensor (25 M weights, N(0, 0.02)) at 8 bits, dense and pruned to
// 10 % by magnitude; the synthetic VGG-16 of make_vgg16_model (138 M weights, He-initialised)
// end to end (load, quantize with 8 bits conv / 5 bits fc, save), dense and pruned to the
// paper's per-layer densities with prune_model. Lloyd and the exact method run in full; the naive
// reference and the exact method's layered O(k·n) DP (its fallback on ties, and the whole method
// before the price search) are too slow for that: they run on a subset and are extrapolated by
// their cost model (naive: n·k·iterations; layered DP: n·k), which the output says.
// Memory is the child's peak RSS; for the model cases also as a multiple of the model's bytes.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "dcz/onnx_model.h"
#include "dcz/prune.h"
#include "dcz/quantize.h"
#include "dcz/selection.h"
#include "quantize/kmeans_internal.h"
#include "quantize/optimal_internal.h"
#include "quantize/rng.h"

namespace {

using Clock = std::chrono::steady_clock;
using dcz::KMeansMethod;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// ---- data ---------------------------------------------------------------------------------

struct Layer {
  std::string name;
  bool conv;
  std::uint64_t fan_in, count;
  double density;  // the paper's kept fraction after pruning (Han et al. 2015, Table 2)
};

const std::vector<Layer>& vgg16_layers() {
  static const std::vector<Layer> layers = [] {
    std::vector<Layer> v;
    const int convs[][2] = {{3, 64},    {64, 64},   {64, 128},  {128, 128}, {128, 256},
                            {256, 256}, {256, 256}, {256, 512}, {512, 512}, {512, 512},
                            {512, 512}, {512, 512}, {512, 512}};
    const double conv_density[] = {0.58, 0.22, 0.34, 0.36, 0.53, 0.24, 0.42,
                                   0.32, 0.27, 0.34, 0.35, 0.29, 0.36};
    for (int i = 0; i < 13; ++i) {
      const std::uint64_t fan_in = std::uint64_t(convs[i][0]) * 9;
      v.push_back(
          {"conv" + std::to_string(i + 1), true, fan_in, fan_in * convs[i][1], conv_density[i]});
    }
    v.push_back({"fc6", false, 25088, 25088ull * 4096, 0.04});
    v.push_back({"fc7", false, 4096, 4096ull * 4096, 0.04});
    v.push_back({"fc8", false, 4096, 4096ull * 1000, 0.23});
    return v;
  }();
  return layers;
}

// N(0, sigma) float32 values; magnitudes below the two-sided `density` quantile set to 0 when
// density < 1 (magnitude pruning of a normal layer).
std::vector<float> normal_tensor(std::uint64_t n, double sigma, double density,
                                 std::uint64_t seed) {
  dcz::quantize::Rng rng(seed);
  double cut = 0.0;
  if (density < 1.0) {  // P(|Z| > t) = density, by bisection on erfc
    double lo = 0.0, hi = 10.0;
    for (int i = 0; i < 100; ++i) {
      const double mid = 0.5 * (lo + hi);
      (std::erfc(mid / std::sqrt(2.0)) > density ? lo : hi) = mid;
    }
    cut = lo * sigma;
  }
  std::vector<float> v(n);
  for (std::uint64_t i = 0; i < n; i += 2) {
    const double r = std::sqrt(-2.0 * std::log(1.0 - rng.uniform())),
                 a = 2.0 * M_PI * rng.uniform();
    const float x = static_cast<float>(sigma * r * std::cos(a));
    const float y = static_cast<float>(sigma * r * std::sin(a));
    v[i] = std::abs(x) > cut ? x : 0.0f;
    if (i + 1 < n) v[i + 1] = std::abs(y) > cut ? y : 0.0f;
  }
  return v;
}

std::span<std::uint8_t> bytes_of(std::vector<float>& v) {
  return {reinterpret_cast<std::uint8_t*>(v.data()), v.size() * 4};
}

// ---- the naive reference --------------------------------------------------------------------

// Textbook Lloyd: every iteration scans all n values against all k centroids. Linear init, a
// fixed number of iterations. Returns the SSE.
double naive_lloyd(std::span<const float> values, unsigned k, unsigned iterations) {
  const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  std::vector<double> c(k), sum(k), cnt(k);
  for (unsigned j = 0; j < k; ++j) c[j] = *mn + (*mx - *mn) * j / (k - 1.0);
  double sse = 0.0;
  for (unsigned it = 0; it < iterations; ++it) {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(cnt.begin(), cnt.end(), 0.0);
    sse = 0.0;
    for (const float x : values) {
      unsigned best = 0;
      double best_d = INFINITY;
      for (unsigned j = 0; j < k; ++j) {
        const double d = (x - c[j]) * (x - c[j]);
        if (d < best_d) {
          best_d = d;
          best = j;
        }
      }
      sum[best] += x;
      cnt[best] += 1;
      sse += best_d;
    }
    for (unsigned j = 0; j < k; ++j)
      if (cnt[j] > 0) c[j] = sum[j] / cnt[j];
  }
  return sse;
}

// ---- cases -------------------------------------------------------------------------------------

struct Outcome {
  double seconds = 0.0;
  std::string note;
  double work = 0.0;        // n·k (layered DP) or n·k·iterations (naive) the time covers
  double work_iters = 0.0;  // Σ n·k·iterations of our Lloyd run
  double peak_mib = 0.0;    // model cases: the highest of the phases' peaks (they reset it)
  double model_bytes = 0.0;
};

dcz::KMeansOptions kmeans(KMeansMethod method, unsigned threads) {
  dcz::KMeansOptions o;
  o.method = method;
  o.threads = threads;
  return o;
}

constexpr std::uint64_t kTensor = 5000ull * 5000;

Outcome tensor_case(KMeansMethod method, double density, unsigned threads) {
  auto v = normal_tensor(kTensor, 0.02, density, 1);
  const auto t = Clock::now();
  auto s = dcz::quantize_tensor(dcz::DType::kFloat32, bytes_of(v), 8, kmeans(method, threads), "t");
  const double secs = seconds_since(t);
  if (!s) return {secs, "error: " + s.status().to_string()};
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "%.1f M clustered, %u iters, codebook %u, SQNR %.2f dB (sort %.2f s, cluster %.2f s, "
      "assign %.2f s)",
      s->nonzeros / 1e6, s->iterations, s->codebook_size, s->sqnr_db(), s->seconds_sort,
      s->seconds_cluster, s->seconds_assign);
  const double nk = static_cast<double>(s->nonzeros) * 256;
  return {secs, buf, nk, nk * std::max(1u, s->iterations)};
}

// Every m-th nonzero of the tensor, sorted.
std::vector<float> tensor_subset(double density, unsigned every) {
  auto v = normal_tensor(kTensor, 0.02, density, 1);
  std::vector<float> subset;
  std::uint64_t nnz = 0;
  for (const float x : v) {
    if (x != 0.0f && nnz++ % every == 0) subset.push_back(x);
  }
  std::sort(subset.begin(), subset.end());
  return subset;
}

// The naive reference, 20 iterations on every 25th nonzero; `work` = n·k·iterations.
Outcome naive_case(double density) {
  const auto subset = tensor_subset(density, 25);
  constexpr unsigned kIterations = 20;
  const auto t = Clock::now();
  const double sse = naive_lloyd(subset, 256, kIterations);
  const double secs = seconds_since(t);
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "MEASURED ON A SUBSET: %zu values (every 25th), k 256, %u iterations (sse %.4g)",
                subset.size(), kIterations, sse);
  return {secs, buf, static_cast<double>(subset.size()) * 256 * kIterations};
}

// The layered DP alone (what the exact method was before the price search, and its fallback) on
// every 100th nonzero; `work` = n·k.
Outcome layered_subset_case(double density) {
  const auto subset = tensor_subset(density, 100);
  const auto t = Clock::now();
  const std::uint64_t distinct = dcz::quantize::count_distinct(std::span<const float>(subset));
  const auto prefix = dcz::quantize::build_prefix(std::span<const float>(subset), distinct);
  const auto ends = dcz::quantize::layered_partition(prefix, 256, 2);
  const double secs = seconds_since(t);
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "MEASURED ON A SUBSET: %zu values (every 100th), k 256, %zu clusters, 2 threads",
                subset.size(), ends.size());
  return {secs, buf, static_cast<double>(subset.size()) * 256};
}

// Linux: VmHWM of /proc/self/status in MiB, and its reset (writing 5 to clear_refs), so that
// each phase of a case gets its own peak.
double vm_hwm_mib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0.0;
  char line[256];
  double kib = 0.0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::atof(line + 6);
  }
  std::fclose(f);
  return kib / 1024.0;
}

void reset_peak() {
  if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

// End to end through the ONNX adapter: load, quantize (8/5 bits), save.
Outcome model_case(const std::string& path, KMeansMethod method) {
  const auto t = Clock::now();
  auto m = dcz::OnnxModel::load(path);
  if (!m) return {0.0, "error: " + m.status().to_string()};
  const double load = seconds_since(t), load_peak = vm_hwm_mib();
  reset_peak();
  dcz::QuantizeOptions o;
  o.kmeans = kmeans(method, 0);
  auto r = dcz::quantize_model(*m, o);
  if (!r) return {0.0, "error: " + r.status().to_string()};
  const double quantize_peak = vm_hwm_mib();
  reset_peak();
  const auto ts = Clock::now();
  const auto out =
      std::filesystem::path(path).parent_path() / ("out_" + std::to_string(getpid()) + ".onnx");
  const auto saved = m->save(out);
  const double save = seconds_since(ts), save_peak = vm_hwm_mib();
  std::filesystem::remove(out);
  if (!saved) return {0.0, "error: " + saved.to_string()};
  double sqnr = 10 * std::log10(r->signal / r->sse);
  char buf[400];
  std::snprintf(
      buf, sizeof buf,
      "load %.2f s, quantize %.2f s, save %.2f s | peak MiB: %.0f overall (load %.0f, "
      "quantize %.0f, save %.0f) | model %.0f MiB, %.1f M weights, %.1f M clustered, SQNR %.2f dB",
      load, r->seconds_quantize, save, std::max({load_peak, quantize_peak, save_peak}), load_peak,
      quantize_peak, save_peak, r->model_bytes / 1048576.0, r->weights / 1e6, r->nonzeros / 1e6,
      sqnr);
  // Cost-model sizes for extrapolating the slow methods: Σ n·k and Σ n·k·iterations.
  double nk = 0.0, nki = 0.0;
  for (const auto& l : r->layers) {
    const double k = std::ldexp(1.0, static_cast<int>(l.bits));
    nk += static_cast<double>(l.stats.nonzeros) * k;
    nki += static_cast<double>(l.stats.nonzeros) * k * std::max(1u, l.stats.iterations);
  }
  Outcome outcome{seconds_since(t), buf, nk, nki};
  outcome.peak_mib = std::max({load_peak, quantize_peak, save_peak});
  outcome.model_bytes = static_cast<double>(r->model_bytes);
  return outcome;
}

std::map<std::string, std::function<Outcome()>> cases(const std::filesystem::path& dir) {
  const std::string dense = (dir / "vgg16.onnx").string(),
                    pruned = (dir / "vgg16_pruned.onnx").string();
  return {
      {"01 tensor25M dense lloyd 2T", [] { return tensor_case(KMeansMethod::kLloyd, 1.0, 2); }},
      {"02 tensor25M dense lloyd 1T", [] { return tensor_case(KMeansMethod::kLloyd, 1.0, 1); }},
      {"03 tensor25M dense naive-lloyd", [] { return naive_case(1.0); }},
      {"04 tensor25M dense optimal 2T", [] { return tensor_case(KMeansMethod::kOptimal, 1.0, 2); }},
      {"05 tensor25M dense layered-dp", [] { return layered_subset_case(1.0); }},
      {"06 tensor25M pruned10% lloyd 2T", [] { return tensor_case(KMeansMethod::kLloyd, 0.1, 2); }},
      {"07 tensor25M pruned10% optimal 2T",
       [] { return tensor_case(KMeansMethod::kOptimal, 0.1, 2); }},
      {"08 vgg16 dense lloyd", [=] { return model_case(dense, KMeansMethod::kLloyd); }},
      {"09 vgg16 dense optimal", [=] { return model_case(dense, KMeansMethod::kOptimal); }},
      {"10 vgg16 pruned lloyd", [=] { return model_case(pruned, KMeansMethod::kLloyd); }},
      {"11 vgg16 pruned optimal", [=] { return model_case(pruned, KMeansMethod::kOptimal); }},
  };
}

struct Row {
  Outcome outcome;
  double peak_mib = 0.0;
  double cpu_seconds = 0.0;  // user + system of the child: the work, whatever else runs
  bool ok = false;
};

// Runs one case in a child ("<seconds>\t<work>\t<work_iters>\t<peak>\t<bytes>\t<note>" on its
// stdout); the child's peak RSS and CPU time come from wait4.
Row run_in_child(const std::string& name, const std::filesystem::path& dir) {
  Row row;
  int fds[2];
  if (pipe(fds) != 0) return row;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDOUT_FILENO);
    execl("/proc/self/exe", "bench_quantize", name.c_str(), "--dir", dir.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage u{};
  wait4(pid, &status, 0, &u);
  row.peak_mib = static_cast<double>(u.ru_maxrss) / 1024.0;
  row.cpu_seconds = static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                    static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  Outcome& o = row.outcome;
  int consumed = 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
      std::sscanf(out.c_str(), "%lf\t%lf\t%lf\t%lf\t%lf\t%n", &o.seconds, &o.work,
                  &o.work_iters, &o.peak_mib, &o.model_bytes, &consumed) == 5) {
    o.note = out.substr(static_cast<std::size_t>(consumed));
    while (!o.note.empty() && o.note.back() == '\n') o.note.pop_back();
    // Model cases reset the kernel's peak between phases: their own maximum is the process's.
    row.peak_mib = std::max(row.peak_mib, o.peak_mib);
    row.ok = true;
  }
  return row;
}

void print_row(const std::string& name, const Row& r) {
  char ratio[32] = "";
  if (r.outcome.model_bytes > 0)
    std::snprintf(ratio, sizeof ratio, "%.2fx", r.peak_mib * 1048576.0 / r.outcome.model_bytes);
  std::printf("%-34s %8.2f s %8.2f s %7.0f MiB %6s  %s\n", name.c_str(), r.outcome.seconds,
              r.cpu_seconds, r.peak_mib, ratio, r.outcome.note.c_str());
  std::fflush(stdout);
}

void print_estimate(const std::string& name, double secs, const std::string& how) {
  std::printf("%-34s %8.1f s %10s %11s %6s  EXTRAPOLATED: %s\n", name.c_str(), secs, "-", "-", "-",
              how.c_str());
}

// Makes the dense VGG-16 with make_vgg16_model and the pruned one with prune_model (the paper's
// per-layer densities), unless they exist.
bool make_models(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto dense = dir / "vgg16.onnx", pruned = dir / "vgg16_pruned.onnx";
#ifdef DCZ_MAKE_VGG16
  if (!std::filesystem::exists(dense)) {
    const std::string cmd = std::string("'") + DCZ_MAKE_VGG16 + "' '" + dense.string() + "' >&2";
    if (std::system(cmd.c_str()) != 0) return false;
  }
#endif
  if (!std::filesystem::exists(dense)) return false;
  if (std::filesystem::exists(pruned)) return true;
  auto m = dcz::OnnxModel::load(dense);
  if (!m) return false;
  auto selected = dcz::select_weights(*m, {});
  if (!selected) return false;
  dcz::PrunePolicy policy;
  policy.kind = dcz::PrunePolicy::Kind::kRecipe;
  const auto& layers = vgg16_layers();
  for (std::size_t i = 0; i < selected->size() && i < layers.size(); ++i) {
    policy.recipe.layers[(*selected)[i].name].target = {dcz::PruneTarget::Kind::kSparsity,
                                                        1.0 - layers[i].density};
  }
  if (!dcz::prune_model(*m, *selected, policy)) return false;
  return m->save(pruned).is_ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "dcz_bench_quantize";
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
      dir = argv[++i];
    else
      only = argv[i];
  }
  const auto all = cases(dir);
  if (!only.empty()) {  // child mode
    const auto it = all.find(only);
    if (it == all.end()) {
      std::fprintf(stderr, "unknown case %s\n", only.c_str());
      return 1;
    }
    const Outcome o = it->second();
    std::printf("%.6f\t%.6g\t%.6g\t%.6g\t%.6g\t%s\n", o.seconds, o.work, o.work_iters, o.peak_mib,
                o.model_bytes, o.note.c_str());
    return o.note.rfind("error", 0) == 0 ? 1 : 0;
  }
  const bool have_models = make_models(dir);
  std::printf(
      "%u hardware threads. time = wall clock of the measured work; cpu = user + system time\n"
      "of the whole child (data generation included; a loaded machine inflates time, not cpu).\n"
      "Peak RSS = the child process (tensor cases: data generation included); x model = peak\n"
      "RSS / the model's weight bytes.\n",
      std::thread::hardware_concurrency());
  std::printf("%-34s %10s %10s %11s %6s  %s\n", "case", "time", "cpu", "peak RSS", "xmodel",
              "notes");
  std::map<std::string, Row> rows;
  for (const auto& [name, fn] : all) {
    if (name.find("vgg16") != std::string::npos && !have_models) {
      std::printf("%-36s skipped: no VGG-16 model (make_vgg16_model)\n", name.c_str());
      continue;
    }
    Row r = run_in_child(name, dir);
    if (!r.ok) r.outcome.note = "failed";
    print_row(name, r);
    if (r.ok) rows[name] = r;
  }
  // The slow methods on the full inputs, from their measured cost per unit of work.
  auto rate = [&](const char* name) {
    const auto it = rows.find(name);
    if (it == rows.end() || it->second.outcome.work <= 0) return 0.0;
    return it->second.outcome.seconds / it->second.outcome.work;
  };
  const double naive = rate("03 tensor25M dense naive-lloyd");
  const double layered = rate("05 tensor25M dense layered-dp");
  char how[200];
  for (const char* target : {"01 tensor25M dense lloyd 2T", "06 tensor25M pruned10% lloyd 2T",
                             "08 vgg16 dense lloyd", "10 vgg16 pruned lloyd"}) {
    const auto it = rows.find(target);
    if (it == rows.end() || naive == 0) continue;
    std::snprintf(how, sizeof how, "%.3g ns per value x centroid x iteration, x %.3g (case %.2s)",
                  naive * 1e9, it->second.outcome.work_iters, target);
    print_estimate(std::string("naive-lloyd as case ") + std::string(target, 2),
                   naive * it->second.outcome.work_iters, how);
  }
  for (const char* target : {"04 tensor25M dense optimal 2T", "07 tensor25M pruned10% optimal 2T",
                             "09 vgg16 dense optimal", "11 vgg16 pruned optimal"}) {
    const auto it = rows.find(target);
    if (it == rows.end() || layered == 0) continue;
    std::snprintf(how, sizeof how, "%.3g ns per value x centroid, x %.3g (case %.2s)",
                  layered * 1e9, it->second.outcome.work, target);
    print_estimate(std::string("layered-dp as case ") + std::string(target, 2),
                   layered * it->second.outcome.work, how);
  }
  return 0;
}
