// One reader per dataset file format; load_dataset() dispatches to them.
#pragma once

#include <filesystem>

#include "dcz/dataset.h"

namespace dcz::eval {

// IDX (LeCun's MNIST format), each file gzip-compressed or not. Images: unsigned bytes, rank 3
// (N, H, W → one channel) or rank 4 (N, C, H, W). Labels: unsigned bytes, rank 1, same N.
Result<Dataset> load_idx(const std::filesystem::path& images, const std::filesystem::path& labels,
                         const DatasetLoadOptions& options);
// CIFAR-10 binary: records of 1 label byte (0–9) + 3 × 32 × 32 pixel bytes (R, G, B planes).
Result<Dataset> load_cifar(const std::filesystem::path& file, const DatasetLoadOptions& options);
// .npy inputs (float32 or uint8, shape (N, ...)) and integer labels (shape (N,)).
Result<Dataset> load_npy(const std::filesystem::path& inputs, const std::filesystem::path& labels,
                         const DatasetLoadOptions& options);

}  // namespace dcz::eval
