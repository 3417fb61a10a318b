// Runs a libFuzzer target without libFuzzer, so every fuzz target is also an ordinary ctest:
// each corpus file is replayed, then deterministic mutations of it (bit flips, truncations,
// byte runs, splices), so CI explores the neighbourhood of every known input on every run.
//
// usage: <target> [--mutations N] [--seed S] FILE_OR_DIR...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

std::vector<std::uint8_t> mutate(const std::vector<std::uint8_t>& in, const std::vector<std::uint8_t>& other,
                                 Rng& rng) {
  std::vector<std::uint8_t> m = in;
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    switch (rng.below(6)) {
      case 0:  // flip a bit
        if (!m.empty()) m[rng.below(m.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1:  // truncate
        m.resize(rng.below(m.size() + 1));
        break;
      case 2:  // interesting byte values
        if (!m.empty()) {
          static const std::uint8_t kVals[] = {0, 1, 0x7F, 0x80, 0xFF, 0x40, 0x10};
          m[rng.below(m.size())] = kVals[rng.below(sizeof kVals)];
        }
        break;
      case 3:  // overwrite a 64-bit field with a boundary value
        if (m.size() >= 8) {
          const std::uint64_t vals[] = {0, 1, ~0ull, 1ull << 31, 1ull << 32, 1ull << 63, 0x7FFFFFFFull};
          const std::uint64_t v = vals[rng.below(7)];
          std::memcpy(&m[rng.below(m.size() - 7)], &v, 8);
        }
        break;
      case 4:  // insert random bytes
        {
          const std::size_t at = rng.below(m.size() + 1), n = 1 + rng.below(16);
          std::vector<std::uint8_t> ins(n);
          for (auto& b : ins) b = static_cast<std::uint8_t>(rng.next());
          m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
        }
        break;
      default:  // splice a tail of another input
        if (!other.empty()) {
          const std::size_t at = rng.below(m.size() + 1), from = rng.below(other.size());
          m.resize(at);
          m.insert(m.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        }
        break;
    }
  }
  return m;
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 0;
  std::uint64_t seed = 0x9E3779B97F4A7C15ull;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mutations" && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10) | 1;
    } else if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(a)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (std::filesystem::exists(a)) {
      files.push_back(a);
    } else {
      std::fprintf(stderr, "replay: no such corpus: %s\n", a.c_str());
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: empty corpus\n");
    return 1;
  }
  std::vector<std::vector<std::uint8_t>> inputs;
  for (const auto& f : files) inputs.push_back(read_file(f));
  Rng rng{seed};
  std::size_t runs = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    LLVMFuzzerTestOneInput(inputs[i].data(), inputs[i].size());
    ++runs;
    for (long k = 0; k < mutations; ++k) {
      const auto m = mutate(inputs[i], inputs[rng.below(inputs.size())], rng);
      LLVMFuzzerTestOneInput(m.data(), m.size());
      ++runs;
    }
  }
  std::printf("replay: %zu inputs (%zu corpus files, %ld mutations each) ran without a crash\n", runs,
              files.size(), mutations);
  return 0;
}
