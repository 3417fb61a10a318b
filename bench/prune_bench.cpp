// bench_prune: time and peak memory of dcz's pruning policies against a naive full-sort
// reference, on synthetic VGG-16-shaped models of growing size (bench/make_vgg16_model.cpp).
//
//   bench_prune [--dir DIR] [--divisors 8,4,2,1] [--sparsity P] [--threads N]
//
// Each (model, method) runs in its own child process so that its peak resident memory
// (getrusage ru_maxrss, via wait4) is its own; the table shows it next to the resident memory
// right after loading, the part pruning adds on top of the model itself. A checksum of the pruned
// weights shows that the per-layer nth_element policy and the full sort give the same model.
// Numbers are printed, never asserted.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "dcz/onnx_model.h"
#include "dcz/prune.h"
#include "dcz/selection.h"
#include "prune/kernels.h"

namespace {

namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Resident memory now (not the high-water mark), from /proc/self/statm.
long current_rss_kb() {
  long pages_total = 0, pages_resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
  std::fclose(f);
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// CPU seconds (user + system, all threads) of this process so far: unlike wall time, not
// inflated when other work shares the cores.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// FNV-1a over the selected weights' bytes: equal for equal pruned models.
std::uint64_t checksum(const dcz::OnnxModel& m, const std::vector<dcz::SelectedWeight>& sel) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& w : sel) {
    for (std::uint8_t b : m.tensor_bytes(w.tensor_index)) h = (h ^ b) * 0x100000001b3ULL;
  }
  return h;
}

// The naive reference: per layer, |w| copied as float and fully sorted; the k-th smallest is the
// threshold; ties at it removed by index, as dcz defines. float32 weights only.
void prune_by_full_sort(dcz::OnnxModel& m, const std::vector<dcz::SelectedWeight>& sel, double p) {
  for (const auto& w : sel) {
    auto bytes = m.mutable_tensor_bytes(w.tensor_index);
    const std::size_t n = bytes.size() / 4;
    std::vector<float> values(n);
    std::memcpy(values.data(), bytes.data(), bytes.size());
    std::vector<float> sorted(n);
    for (std::size_t i = 0; i < n; ++i) sorted[i] = std::fabs(values[i]);
    std::sort(sorted.begin(), sorted.end());
    const std::uint64_t k = dcz::prune::removal_count(p, n);
    if (k == 0) continue;
    const float t = sorted[k - 1];
    std::uint64_t ties = k - static_cast<std::uint64_t>(std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
    for (float& v : values) {
      const float a = std::fabs(v);
      if (a < t || a == 0.0f) v = 0.0f;
      else if (a == t && ties > 0) v = 0.0f, --ties;
    }
    std::memcpy(bytes.data(), values.data(), bytes.size());
  }
}

// Child: load, prune with one method, print
// "load_s prune_s prune_cpu_s rss_after_load_kb peak_after_load_kb weights checksum".
int run_child(const std::string& method, const std::string& model_path, unsigned threads, double p) {
  const auto t0 = std::chrono::steady_clock::now();
  auto loaded = dcz::OnnxModel::load(model_path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.status().to_string().c_str());
    return 2;
  }
  dcz::OnnxModel model = std::move(loaded).value();
  auto sel = dcz::select_weights(model, {});
  if (!sel) {
    std::fprintf(stderr, "%s\n", sel.status().to_string().c_str());
    return 2;
  }
  const double load_s = seconds_since(t0);
  const long rss_loaded = current_rss_kb();
  const long peak_loaded = max_rss_kb();
  std::uint64_t weights = 0;
  for (const auto& w : *sel) weights += model.tensor(w.tensor_index).element_count();

  const auto t1 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  if (method == "naive-full-sort") {
    prune_by_full_sort(model, *sel, p);
  } else {
    dcz::PrunePolicy policy;
    policy.threads = method.ends_with("-1t") ? 1 : threads;
    policy.value = p;
    if (method.starts_with("sparsity")) policy.kind = dcz::PrunePolicy::Kind::kSparsity;
    if (method.starts_with("global")) policy.kind = dcz::PrunePolicy::Kind::kGlobalSparsity;
    if (method.starts_with("global-normalized")) policy.normalize = true;
    if (method.starts_with("quality")) policy.kind = dcz::PrunePolicy::Kind::kQuality, policy.value = 1.6449;
    auto report = dcz::prune_model(model, *sel, policy);
    if (!report) {
      std::fprintf(stderr, "%s\n", report.status().to_string().c_str());
      return 2;
    }
  }
  const double prune_s = seconds_since(t1);
  const double prune_cpu_s = cpu_seconds() - cpu0;
  std::printf("%.3f %.3f %.3f %ld %ld %llu %016llx\n", load_s, prune_s, prune_cpu_s, rss_loaded,
              peak_loaded,
              static_cast<unsigned long long>(weights),
              static_cast<unsigned long long>(checksum(model, *sel)));
  return 0;
}

struct ChildResult {
  bool ok = false;
  double load_s = 0, prune_s = 0, prune_cpu_s = 0;
  long rss_loaded_kb = 0, peak_loaded_kb = 0, rss_peak_kb = 0;
  unsigned long long weights = 0, checksum = 0;
};

ChildResult spawn_child(const std::vector<std::string>& args) {
  ChildResult r;
  int fds[2];
  if (pipe(fds) != 0) return r;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  r.rss_peak_kb = usage.ru_maxrss;
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
         std::sscanf(out.c_str(), "%lf %lf %lf %ld %ld %llu %llx", &r.load_s, &r.prune_s,
                     &r.prune_cpu_s, &r.rss_loaded_kb, &r.peak_loaded_kb, &r.weights,
                     &r.checksum) == 7;
  return r;
}

std::uint64_t files_size(const fs::path& model) {
  std::error_code ec;
  std::uint64_t s = fs::file_size(model, ec);
  s += fs::file_size(model.string() + ".data", ec);
  return ec ? 0 : s;
}

int run_parent(const fs::path& dir, const std::vector<int>& divisors, double p, unsigned threads) {
  fs::create_directories(dir);
  const char* methods[] = {"sparsity-1t", "sparsity", "global", "global-normalized", "quality",
                           "naive-full-sort"};
  std::printf("pruning VGG-16-shaped models, sparsity %.2f (quality 1.6449 ~ 90%% for normal "
              "weights); threads=%u (0 = all cores); times in s, memory in MiB; equal checksums "
              "= identical pruned weights\n", p, threads);
  // RSS_loaded: resident after loading (the model itself); load_peak: high-water mark of loading;
  // peak_RSS: of the whole run, so peak_RSS - RSS_loaded bounds what pruning needs beside the
  // model (when pruning does not raise the peak above load_peak, it is at most that).
  std::printf("%-6s %11s %8s  %-18s %7s %8s %8s %10s %10s %10s %10s  %s\n", "model", "weights",
              "file_MB", "method", "load_s", "prune_s", "cpu_s", "Mweight/s", "RSS_loaded",
              "load_peak", "peak_RSS", "checksum");
  for (int d : divisors) {
    const fs::path model = dir / ("vgg16_w" + std::to_string(d) + ".onnx");
    if (!fs::exists(model)) {
      const std::string cmd = std::string("'") + DCZ_MAKE_VGG16 + "' '" + model.string() +
                              "' --width-divisor " + std::to_string(d);
      if (std::system(cmd.c_str()) != 0) return 3;
    }
    for (const char* method : methods) {
      const ChildResult r = spawn_child({"bench_prune", "--child", method, model.string(),
                                         std::to_string(threads), std::to_string(p)});
      if (!r.ok) {
        std::printf("%-6s %s failed\n", model.filename().c_str(), method);
        continue;
      }
      std::printf("%-6s %11llu %8.1f  %-18s %7.2f %8.3f %8.3f %10.1f %10.1f %10.1f %10.1f  %016llx\n",
                  ("1/" + std::to_string(d)).c_str(), r.weights, files_size(model) / 1e6, method,
                  r.load_s, r.prune_s, r.prune_cpu_s, r.weights / 1e6 / r.prune_s,
                  r.rss_loaded_kb / 1024.0,
                  r.peak_loaded_kb / 1024.0, r.rss_peak_kb / 1024.0, r.checksum);
      std::fflush(stdout);
    }
  }
  return 0;
}

std::vector<int> parse_divisors(const std::string& s) {
  std::vector<int> out;
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t comma = std::min(s.find(',', pos), s.size());
    out.push_back(std::max(1, std::atoi(s.substr(pos, comma - pos).c_str())));
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 5 && args[0] == "--child") {
    return run_child(args[1], args[2], static_cast<unsigned>(std::stoul(args[3])), std::stod(args[4]));
  }
  fs::path dir = fs::temp_directory_path() / "dcz_bench_vgg16";
  std::vector<int> divisors{8, 4, 2, 1};
  double p = 0.9;
  unsigned threads = 0;
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--dir") dir = args[i + 1];
    else if (args[i] == "--divisors") divisors = parse_divisors(args[i + 1]);
    else if (args[i] == "--sparsity") p = std::stod(args[i + 1]);
    else if (args[i] == "--threads") threads = static_cast<unsigned>(std::stoul(args[i + 1]));
    else {
      std::fprintf(stderr, "usage: bench_prune [--dir DIR] [--divisors 8,4,2,1] [--sparsity P] [--threads N]\n");
      return 1;
    }
  }
  return run_parent(dir, divisors, p, threads);
}
