// Labelled datasets for dcz-eval: IDX (MNIST, Fashion-MNIST; gzip or not), CIFAR-10 binary and
// NumPy .npy files, plus the per-channel preprocessing x = (pixel × scale − mean[c]) / std[c].
//
// Every reader is bounded: header counts are overflow-checked against the bytes present, and a
// malformed file is kBadDataset with a message naming the file, the field and the byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/status.h"

namespace dcz {

struct DatasetSpec {
  enum class Kind { kIdx, kCifar, kNpy } kind = Kind::kIdx;
  std::filesystem::path inputs;  // IDX images, CIFAR-10 binary file, or .npy inputs
  std::filesystem::path labels;  // IDX labels or .npy labels; empty for CIFAR-10
};

// Parses "idx:IMAGES,LABELS", "cifar:FILE" or "npy:INPUTS,LABELS" (kInvalidArgument otherwise).
Result<DatasetSpec> parse_dataset_spec(std::string_view spec);

struct DatasetLoadOptions {
  // Keep only `limit` samples (0: all), spread evenly over the file: sample i of the subset is
  // sample floor(i × total / limit) of the file, so a file sorted by class (the CIFAR-10 JPEG copy
  // in ../shared is) still gives every class. Lets tests and sensitivity sweeps use subsets.
  std::uint64_t limit = 0;
  // Refuses decompressed inputs above this many bytes (kOutOfMemory): a hostile gzip or header
  // cannot make the reader allocate without bound.
  std::uint64_t max_bytes = std::uint64_t{4} << 30;
};

// Samples in their stored type (uint8 pixels or float32 values), row-major, one after another.
struct Dataset {
  std::string name;                         // for messages: the inputs file
  std::vector<std::int64_t> sample_shape;   // e.g. {1, 28, 28} or {3, 32, 32}
  bool is_float = false;
  std::vector<std::uint8_t> pixels;         // when !is_float
  std::vector<float> values;                // when is_float
  std::vector<std::int64_t> labels;         // one per sample, >= 0

  std::size_t size() const { return labels.size(); }
  std::size_t sample_elements() const;
  // Largest label + 1 (0 when empty).
  std::int64_t label_count() const;
};

Result<Dataset> load_dataset(const DatasetSpec& spec, const DatasetLoadOptions& options = {});

// x = (pixel × scale − mean[c]) / std[c], c = the channel (first sample dimension). One value in
// mean/std applies to every channel. Computed in double and rounded once to float, so
// "--scale 0.00392156862745098" gives the correctly rounded pixel / 255 that torch's ToTensor does.
struct Preprocess {
  double scale = 1.0;
  std::vector<double> mean{0.0};
  std::vector<double> std{1.0};
};

// kInvalidArgument when mean/std do not have 1 or `channels` entries, or a std is not > 0.
Status validate_preprocess(const Preprocess& preprocess, std::int64_t channels);

// Writes samples [first, first + count) preprocessed into `out` (count × sample_elements floats).
// The preprocess must have been validated for the dataset's channel count.
void fill_batch(const Dataset& dataset, std::size_t first, std::size_t count,
                const Preprocess& preprocess, float* out);

}  // namespace dcz
