// Stage 3 benchmark (issue #5), whole models, measured side by side in one run:
//  - size: our file vs the paper's P+Q+H accounting of the *same* pruned + quantized weights
//    (fixed-width relative indices with filler entries, Huffman codes of the indices and of the
//    gaps, a 32-bit codebook, one byte per code length for the Huffman tables), computed here
//    with an independent Huffman construction;
//  - Huffman streams vs their order-0 entropy plus table (stream header) cost;
//  - speed: dcz decode of the .dcz vs protobuf parsing the dense .onnx it decodes to, and encode;
//    both in a warm loop (one process, reps interleaved: the heap recycles the previous rep's
//    memory) and in fresh processes (every rep of each side in its own forked child, which like a
//    process that loads a model once writes its output to new pages, paying a fault and a kernel
//    clear for each).
//
// usage: bench_codec [--reps N] [--fresh-reps N] [--fresh-gap MS] [--entropy auto|huffman|fixed|zstd] [MODEL.onnx ...]
//        (default: samples/*.onnx and ../shared/models/*.onnx; --fresh-reps 0 skips the fresh column)
// Models are pruned to 90 % per layer and quantized with the paper's 8 / 5 bits first.
#include <malloc.h>
#include <onnx/onnx_pb.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <queue>
#include <vector>

#include "dcz/codec.h"
#include "dcz/container.h"
#include "dcz/inspect.h"
#include "dcz/onnx_model.h"
#include "dcz/prune.h"
#include "dcz/quantize.h"
#include "dcz/selection.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Optimal (unlimited) Huffman code lengths' total bits for symbol counts.
double huffman_bits(const std::map<std::uint32_t, std::uint64_t>& counts) {
  if (counts.size() <= 1) return counts.empty() ? 0.0 : double(counts.begin()->second);  // 1 bit each
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> q;
  for (const auto& [s, c] : counts) q.push(c);
  double total = 0;  // sum of internal node weights = sum of count x depth
  while (q.size() > 1) {
    const std::uint64_t a = q.top();
    q.pop();
    const std::uint64_t b = q.top();
    q.pop();
    total += double(a + b);
    q.push(a + b);
  }
  return total;
}

struct PaperSize {
  double bits = 0;
};

// The paper's P+Q+H for one quantized tensor of float32 values.
PaperSize paper_pqh(std::span<const std::uint8_t> bytes, unsigned gap_bits) {
  const std::size_t n = bytes.size() / 4;
  std::map<std::uint32_t, std::uint32_t> codebook;  // bit pattern -> index (filler = 0: the zero weight)
  std::vector<std::uint32_t> bits(n);
  std::memcpy(bits.data(), bytes.data(), n * 4);
  for (std::uint32_t b : bits) {
    if (b != 0) codebook.emplace(b, 0);
  }
  std::uint32_t k = 1;
  for (auto& [b, idx] : codebook) idx = k++;
  std::map<std::uint32_t, std::uint64_t> idx_counts, gap_counts;
  const std::uint64_t max_gap = (1ull << gap_bits) - 1;
  std::uint64_t run = 0;
  for (std::uint32_t b : bits) {
    if (b == 0) {
      if (++run > max_gap) {  // filler: a zero weight at gap max_gap
        ++gap_counts[static_cast<std::uint32_t>(max_gap)];
        ++idx_counts[0];
        run = 0;
      }
      continue;
    }
    ++gap_counts[static_cast<std::uint32_t>(run)];
    ++idx_counts[codebook[b]];
    run = 0;
  }
  PaperSize p;
  p.bits = huffman_bits(idx_counts) + huffman_bits(gap_counts) + 32.0 * double(codebook.size()) +
           8.0 * double(codebook.size() + 1) + 8.0 * double(max_gap + 1);
  return p;
}

double seconds(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int g_reps = 21;              // --reps N
int g_fresh_reps = -1;        // --fresh-reps N; -1: as many as --reps
int g_fresh_gap_ms = 0;       // --fresh-gap MS: idle time before each fresh child
dcz::EncodeOptions g_encode;  // --entropy auto|huffman|fixed|zstd

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

template <class F>
double best_of(int runs, F&& f) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const auto t = Clock::now();
    f();
    best = std::min(best, seconds(t));
  }
  return best;
}

// Runs `work` in a forked child and returns the seconds the child measured around it (what
// happens before and after — fork, the child's exit and teardown — is not timed), or -1 if the
// child failed. The parent first returns its free heap pages to the kernel (malloc_trim), so that
// the child's allocations land on fresh pages rather than on copy-on-write copies of the
// parent's, as in a process that has just started.
// The child is named `name` (for `perf report --comms`).
template <class F>
double seconds_in_child(const char* name, F&& work) {
  malloc_trim(0);
  // With a gap, the memory the previous child freed has time to go back to the hypervisor (a VM
  // with free page reporting takes ~2 s), so this child meets it cold, as a load after idle does.
  if (g_fresh_gap_ms > 0) usleep(useconds_t(g_fresh_gap_ms) * 1000);
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    prctl(PR_SET_NAME, name);
    const auto t = Clock::now();
    const bool ok = work();
    const double s = ok ? seconds(t) : -1;
    const bool sent = write(fds[1], &s, sizeof s) == sizeof s;
    _exit(sent ? 0 : 1);  // no destructors: the result's teardown is not part of a load
  }
  close(fds[1]);
  double s = -1;
  if (pid < 0 || read(fds[0], &s, sizeof s) != sizeof s) s = -1;
  close(fds[0]);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  return s;
}

struct FreshTimes {
  double decode = -1, parse = -1;  // medians, seconds; negative if a child failed
};

// Each side rep by rep in fresh children, interleaved like the warm loop.
template <class Decode, class Parse>
FreshTimes fresh_process_times(Decode&& decode, Parse&& parse) {
  std::vector<double> decode_times, parse_times;
  const int reps = g_fresh_reps < 0 ? g_reps : g_fresh_reps;
  for (int rep = 0; rep < reps; ++rep) {
    decode_times.push_back(seconds_in_child("fresh_decode", decode));
    parse_times.push_back(seconds_in_child("fresh_parse", parse));
  }
  auto failed = [](const std::vector<double>& v) {
    return std::any_of(v.begin(), v.end(), [](double t) { return t < 0; });
  };
  if (reps == 0 || failed(decode_times) || failed(parse_times)) return {};
  return {median(decode_times), median(parse_times)};
}

// The whole file in memory, read the plain way a runtime reads a model before parsing it.
bool read_whole_file(const fs::path& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  const bool ok = std::fseek(f, 0, SEEK_END) == 0 && std::ftell(f) >= 0;
  if (ok) out.resize(static_cast<std::size_t>(std::ftell(f)));
  const bool read = ok && std::fseek(f, 0, SEEK_SET) == 0 &&
                    std::fread(out.data(), 1, out.size(), f) == out.size();
  std::fclose(f);
  return read;
}

bool decode_bytes(std::span<const std::uint8_t> file) { return dcz::decode_model(file, "bench").is_ok(); }
bool parse_bytes(const std::string& dense) { return std::make_unique<onnx::ModelProto>()->ParseFromString(dense); }

// Bytes in memory -> model, and file (in the page cache) -> model, each in fresh processes.
struct FreshResults {
  FreshTimes memory, file;
};

FreshResults fresh_results(std::span<const std::uint8_t> file, const std::string& dense) {
  FreshResults r;
  r.memory = fresh_process_times([&] { return decode_bytes(file); }, [&] { return parse_bytes(dense); });
  const fs::path dir = fs::temp_directory_path() / ("bench_codec_" + std::to_string(getpid()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path dcz_path = dir / "model.dcz", onnx_path = dir / "model.onnx";
  std::FILE* a = std::fopen(dcz_path.c_str(), "wb");
  std::FILE* b = std::fopen(onnx_path.c_str(), "wb");
  const bool written = a && b && std::fwrite(file.data(), 1, file.size(), a) == file.size() &&
                       std::fwrite(dense.data(), 1, dense.size(), b) == dense.size();
  if (a) std::fclose(a);
  if (b) std::fclose(b);
  if (written) {
    r.file = fresh_process_times(
        [&] {
          std::string bytes;
          return read_whole_file(dcz_path, bytes) &&
                 decode_bytes({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
        },
        [&] {
          std::string bytes;
          return read_whole_file(onnx_path, bytes) && parse_bytes(bytes);
        });
  }
  fs::remove_all(dir, ec);
  return r;
}

// "decode parse speedup" columns, or dashes when a child failed or --fresh-reps is 0.
std::string fresh_columns(const FreshTimes& t) {
  char out[64] = "       -        -       -";
  if (t.decode > 0 && t.parse > 0) {
    std::snprintf(out, sizeof out, "%8.3f %8.3f %6.2fx", 1e3 * t.decode, 1e3 * t.parse, t.parse / t.decode);
  }
  return out;
}

void run_model(const fs::path& path) {
  auto loaded = dcz::OnnxModel::load(path);
  if (!loaded) {
    std::printf("%s: %s\n", path.c_str(), loaded.status().to_string().c_str());
    return;
  }
  dcz::OnnxModel model = std::move(loaded).value();
  auto selected = dcz::select_weights(model, {});
  if (!selected) return;
  dcz::PrunePolicy pp;
  pp.kind = dcz::PrunePolicy::Kind::kSparsity;
  pp.value = 0.9;
  if (!dcz::prune_model(model, *selected, pp).is_ok()) return;
  dcz::QuantizeOptions qo;
  if (!dcz::quantize_model(model, qo).is_ok()) return;

  // Paper accounting on the identical weights.
  double paper_bits = 0;
  std::uint64_t selected_float32 = 0;
  for (const auto& w : *selected) {
    if (model.tensor(w.tensor_index).dtype != dcz::DType::kFloat32) continue;
    const unsigned b = w.kind == dcz::SelectedWeight::LayerKind::kConv ? 8 : 5;
    paper_bits += paper_pqh(model.tensor_bytes(w.tensor_index), b).bits;
    selected_float32 += model.tensor_bytes(w.tensor_index).size();
  }

  std::vector<std::uint8_t> file;
  const double t_encode = best_of(1, [&] { file = std::move(dcz::encode_model(model, g_encode)).value(); });
  auto c = dcz::read_container(file, path.string());
  auto report = dcz::inspect_container(*c);
  std::uint64_t ours_weights = 0;
  double huff_stored = 0, huff_bound = 0;
  for (std::size_t i = 0; i < report->tensors.size(); ++i) {
    const auto& t = report->tensors[i];
    if (!t.has_stages) continue;
    ours_weights += t.stored_bytes + t.table_bytes;
    const auto& e = c->tensors[i];
    for (const auto& d : e.streams) {
      if (d.role == dcz::StreamRole::kIndices && d.coding == dcz::StreamCoding::kHuffman) {
        // SPEC 6.3: the table is the stream header (mode, lanes, N, the code lengths, lane sizes).
        const auto bytes = c->data.subspan(d.offset, d.size);
        double header = 8.0 * 3;
        if (bytes.size() >= 6 && bytes[0] != 0) {
          const unsigned L = bytes[0], lanes = bytes[1];
          const std::uint32_t n = bytes[2] | bytes[3] << 8 | bytes[4] << 16 | std::uint32_t(bytes[5]) << 24;
          const unsigned f = L == 1 ? 1 : L <= 3 ? 2 : L <= 7 ? 3 : L <= 15 ? 4 : 5;
          header = 8.0 * (6 + (double(n) * f + 7) / 8 + 4.0 * (lanes - 1));
        }
        huff_stored += 8.0 * double(d.size);
        huff_bound += t.stages.index_entropy_bits * double(t.stages.nonzeros) + header;
      }
    }
  }

  // Decode speed vs protobuf parse of the dense model, interleaved rep by rep so both see the
  // same machine load (the machine may be shared), each side's median over the reps.
  auto dense = model.serialize();
  dcz::Result<dcz::OnnxModel> back = dcz::make_error(dcz::ErrorCode::kIo, "");
  // A fresh message per parse, as when a runtime loads the model: reusing one would let protobuf
  // keep its string buffers and skip the allocation every real load pays. Likewise every decode
  // builds a fresh model; the previous one is destroyed outside the timed region on both sides.
  std::vector<double> decode_times, parse_times;
  for (int rep = 0; rep < g_reps + 1; ++rep) {  // rep 0 warms caches and the allocator
    back = dcz::make_error(dcz::ErrorCode::kIo, "");
    auto t = Clock::now();
    back = dcz::decode_model(file, "bench");
    if (rep > 0) decode_times.push_back(seconds(t));
    auto proto = std::make_unique<onnx::ModelProto>();
    t = Clock::now();
    proto->ParseFromString(*dense);
    if (rep > 0) parse_times.push_back(seconds(t));
  }
  const double t_decode = median(decode_times);
  const double t_parse = median(parse_times);
  // The fastest rep of each side too: with tensors of tens of MiB, glibc serves a fresh buffer
  // either from the heap or from new pages (page faults), depending on what was freed before, and
  // medians of either side can jump between the two (seen on VGG-16 /4: 3.6 or 30 ms to parse).
  const double t_decode_min = *std::min_element(decode_times.begin(), decode_times.end());
  const double t_parse_min = *std::min_element(parse_times.begin(), parse_times.end());
  const bool exact = back.is_ok() && model.first_difference(*back).empty();
  back = dcz::make_error(dcz::ErrorCode::kIo, "");  // the children should not inherit it
  const FreshResults fresh = fresh_results(file, *dense);

  std::printf("%-28s %10zu %10zu %9.0f %9llu %6.3f  %7.3f  %8.3f %8.3f %6.2fx %7.2fx  %s  %s %8.2f  %s\n",
              path.filename().c_str(), dense->size(), file.size(), paper_bits / 8,
              static_cast<unsigned long long>(ours_weights), double(ours_weights) / (paper_bits / 8),
              huff_bound > 0 ? huff_stored / huff_bound : 0.0, 1e3 * t_decode, 1e3 * t_parse,
              t_parse / t_decode, t_parse_min / t_decode_min, fresh_columns(fresh.memory).c_str(),
              fresh_columns(fresh.file).c_str(), 1e3 * t_encode,
              exact ? "exact" : "MISMATCH");
  (void)selected_float32;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> models;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      g_reps = std::max(1, std::atoi(argv[++i]));
      continue;
    }
    if (std::strcmp(argv[i], "--fresh-reps") == 0 && i + 1 < argc) {
      g_fresh_reps = std::max(0, std::atoi(argv[++i]));
      continue;
    }
    if (std::strcmp(argv[i], "--fresh-gap") == 0 && i + 1 < argc) {
      g_fresh_gap_ms = std::max(0, std::atoi(argv[++i]));
      continue;
    }
    if (std::strcmp(argv[i], "--entropy") == 0 && i + 1 < argc) {
      using E = dcz::EncodeOptions::Entropy;
      const std::string v = argv[++i];
      g_encode.entropy = v == "huffman" ? E::kHuffman : v == "fixed" ? E::kFixed
                         : v == "zstd"  ? E::kZstd    : E::kAuto;
      continue;
    }
    models.emplace_back(argv[i]);
  }
  if (models.empty()) {
    for (const char* dir : {DCZ_SOURCE_DIR "/samples", DCZ_SOURCE_DIR "/../shared/models"}) {
      if (!fs::exists(dir)) continue;
      for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ".onnx") models.push_back(e.path());
      }
    }
    std::sort(models.begin(), models.end());
  }
  std::printf("Each model pruned to 90 %% per layer, quantized 8/5 bits; sizes in bytes; times in ms (median of %d\n"
              "interleaved reps; speedup = pb parse / decode, above 1 when decoding is faster; best/best = the\n"
              "same for the fastest rep of each side).\n"
              "warm loop: all reps in this process, whose heap recycles the previous rep's memory;\n"
              "fresh process: each rep of each side in its own forked child (median of %d), its output on\n"
              "new pages as when a process loads a model once; the input bytes are in memory in both;\n"
              "fresh, from file: the same, timing also the read of the file (.dcz, or the dense .onnx;\n"
              "both in the page cache) into memory with fread.\n"
              "paper P+Q+H = the paper's storage of the same weights (fixed gaps with fillers, Huffman of\n"
              "indices and gaps, 32-bit codebook, 1 byte per code length); ours = streams + table entries of\n"
              "the same tensors; huff/H0 = Huffman index streams / (order-0 entropy + their tables).\n\n",
              g_reps, g_fresh_reps < 0 ? g_reps : g_fresh_reps);
  if (g_fresh_gap_ms > 0) std::printf("Fresh children start %d ms after the previous one ended.\n\n", g_fresh_gap_ms);
  std::printf("%-28s %10s %10s %9s %9s %6s  %7s  %-34s  %-25s  %-25s\n", "", "", "", "", "", "", "",
              "------------ warm loop -----------", "----- fresh process -----",
              "--- fresh, from file ----");
  std::printf("%-28s %10s %10s %9s %9s %6s  %7s  %8s %8s %7s %8s  %8s %8s %7s  %8s %8s %7s %8s\n",
              "model", "dense onnx", "dcz file", "paper PQH", "ours", "ratio", "huff/H0", "decode",
              "pb parse", "speedup", "best/best", "decode", "pb parse", "speedup", "decode",
              "pb parse", "speedup", "encode");
  for (const auto& m : models) run_model(m);
  return 0;
}
