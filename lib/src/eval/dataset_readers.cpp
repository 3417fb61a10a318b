#include "eval/dataset_readers.h"

#include <cstring>
#include <limits>
#include <optional>

#include "dcz/file_io.h"
#include "eval/gzip.h"
#include "eval/npy.h"

namespace dcz::eval {

namespace {

Status dataset_error(const std::filesystem::path& file, std::string what) {
  return make_error(ErrorCode::kBadDataset, file.string() + ": " + what);
}

// A file's bytes, inflated when it is gzip.
struct FileBytes {
  InputFile file;
  std::vector<std::uint8_t> inflated;
  bool gzip = false;
  std::span<const std::uint8_t> bytes() const {
    return gzip ? std::span<const std::uint8_t>(inflated) : file.bytes();
  }
};

Result<FileBytes> read_maybe_gzip(const std::filesystem::path& path, std::uint64_t max_bytes) {
  DCZ_ASSIGN_OR_RETURN(InputFile file, InputFile::open(path));
  FileBytes out{std::move(file), {}, false};
  if (is_gzip(out.file.bytes())) {
    DCZ_ASSIGN_OR_RETURN(out.inflated, gunzip(out.file.bytes(), path.string(), max_bytes));
    out.gzip = true;
  }
  return out;
}

std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct IdxArray {
  std::vector<std::int64_t> dims;
  std::span<const std::uint8_t> data;
};

// IDX header: 2 zero bytes, type code (0x08 = unsigned byte), rank, then rank big-endian u32 dims.
Result<IdxArray> parse_idx(std::span<const std::uint8_t> bytes, const std::filesystem::path& path,
                           bool gzip) {
  const char* where = gzip ? " (after gunzip)" : "";
  if (bytes.size() < 4) return dataset_error(path, std::string("IDX header truncated") + where + ": file has " + std::to_string(bytes.size()) + " bytes");
  if (bytes[0] != 0 || bytes[1] != 0) return dataset_error(path, "IDX magic bytes 0-1 are not zero: not an IDX file");
  if (bytes[2] != 0x08) {
    return dataset_error(path, "IDX type code 0x" + std::to_string(bytes[2]) +
                                   " at byte 2 is not supported (only 0x08 unsigned byte)");
  }
  std::size_t rank = bytes[3];
  if (rank < 1 || rank > 4) return dataset_error(path, "IDX rank " + std::to_string(rank) + " at byte 3 is not 1-4");
  if (bytes.size() < 4 + 4 * rank) return dataset_error(path, std::string("IDX dims truncated") + where);
  IdxArray out;
  std::uint64_t count = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    std::uint32_t d = read_be32(bytes.data() + 4 + 4 * i);
    if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / d) return dataset_error(path, "IDX dims overflow");
    count *= d;
    out.dims.push_back(d);
  }
  std::size_t data_at = 4 + 4 * rank;
  std::uint64_t have = bytes.size() - data_at;
  if (have < count) {
    return dataset_error(path, "IDX file is truncated" + std::string(where) + ": header (dims at byte 4) declares " +
                                   std::to_string(count) + " data bytes from byte " + std::to_string(data_at) +
                                   ", only " + std::to_string(have) + " are present");
  }
  if (have > count) {
    return dataset_error(path, "IDX file has " + std::to_string(have - count) + " bytes after the data that ends at byte " +
                                   std::to_string(data_at + count) + where);
  }
  out.data = bytes.subspan(data_at, count);
  return out;
}

// The samples kept: all, or `limit` of them spread evenly over the file (source i × total / limit),
// so a file sorted by class (the CIFAR-10 JPEG copy is) still gives every class.
struct Subset {
  std::uint64_t total = 0, count = 0;
  std::uint64_t source(std::uint64_t i) const {
    return count == total ? i : static_cast<std::uint64_t>(static_cast<unsigned __int128>(i) * total / count);
  }
};

Subset subset_of(std::uint64_t total, const DatasetLoadOptions& options) {
  return {total, options.limit && options.limit < total ? options.limit : total};
}

// Copies the kept samples of `per` elements each from `src` (all samples) to `dst`.
template <class T>
void copy_samples(const T* src, T* dst, std::size_t per, const Subset& subset) {
  for (std::uint64_t i = 0; i < subset.count; ++i) {
    std::memcpy(dst + i * per, src + subset.source(i) * per, per * sizeof(T));
  }
}

// Integer .npy labels of any width, widened to int64; negative ones are rejected.
Result<std::vector<std::int64_t>> npy_labels(const NpyView& view, const std::filesystem::path& path,
                                             const Subset& subset) {
  char kind = view.descr.size() == 3 ? view.descr[1] : '?';
  if (kind != 'i' && kind != 'u') {
    return dataset_error(path, "labels dtype '" + view.descr + "' is not an integer type");
  }
  std::vector<std::int64_t> labels(subset.count);
  for (std::uint64_t k = 0; k < subset.count; ++k) {
    std::uint64_t i = subset.source(k);
    const std::uint8_t* p = view.data.data() + i * view.item_size;
    std::uint64_t raw = 0;
    std::memcpy(&raw, p, view.item_size);  // little-endian host
    std::int64_t v;
    if (kind == 'u') {
      if (view.item_size == 8 && raw > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return dataset_error(path, "label " + std::to_string(i) + " is out of range");
      }
      v = static_cast<std::int64_t>(raw);
    } else {
      unsigned shift = 64 - 8 * static_cast<unsigned>(view.item_size);
      v = static_cast<std::int64_t>(raw << shift) >> shift;  // sign-extend
    }
    if (v < 0) return dataset_error(path, "label " + std::to_string(i) + " is negative (" + std::to_string(v) + ")");
    labels[k] = v;
  }
  return labels;
}

}  // namespace

Result<Dataset> load_idx(const std::filesystem::path& images, const std::filesystem::path& labels,
                         const DatasetLoadOptions& options) {
  DCZ_ASSIGN_OR_RETURN(FileBytes image_file, read_maybe_gzip(images, options.max_bytes));
  DCZ_ASSIGN_OR_RETURN(IdxArray image_array, parse_idx(image_file.bytes(), images, image_file.gzip));
  DCZ_ASSIGN_OR_RETURN(FileBytes label_file, read_maybe_gzip(labels, options.max_bytes));
  DCZ_ASSIGN_OR_RETURN(IdxArray label_array, parse_idx(label_file.bytes(), labels, label_file.gzip));
  if (image_array.dims.size() < 3) {
    return dataset_error(images, "IDX images need rank 3 (N, H, W) or 4 (N, C, H, W), not " +
                                     std::to_string(image_array.dims.size()));
  }
  if (label_array.dims.size() != 1) return dataset_error(labels, "IDX labels need rank 1");
  if (label_array.dims[0] != image_array.dims[0]) {
    return dataset_error(labels, std::to_string(label_array.dims[0]) + " labels for " +
                                     std::to_string(image_array.dims[0]) + " images in " + images.string());
  }
  Dataset out;
  out.name = images.string();
  if (image_array.dims.size() == 3) out.sample_shape.push_back(1);
  out.sample_shape.insert(out.sample_shape.end(), image_array.dims.begin() + 1, image_array.dims.end());
  Subset subset = subset_of(static_cast<std::uint64_t>(image_array.dims[0]), options);
  std::size_t per = out.sample_elements();
  out.pixels.resize(subset.count * per);
  copy_samples(image_array.data.data(), out.pixels.data(), per, subset);
  out.labels.resize(subset.count);
  for (std::uint64_t i = 0; i < subset.count; ++i) out.labels[i] = label_array.data[subset.source(i)];
  return out;
}

Result<Dataset> load_cifar(const std::filesystem::path& file, const DatasetLoadOptions& options) {
  constexpr std::size_t kPixels = 3 * 32 * 32;
  constexpr std::size_t kRecord = 1 + kPixels;
  DCZ_ASSIGN_OR_RETURN(InputFile input, InputFile::open(file));
  std::span<const std::uint8_t> bytes = input.bytes();
  if (bytes.empty()) return dataset_error(file, "CIFAR-10 file is empty");
  if (bytes.size() % kRecord != 0) {
    std::size_t whole = bytes.size() / kRecord;
    return dataset_error(file, "CIFAR-10 file is truncated: " + std::to_string(bytes.size()) +
                                   " bytes is not a multiple of the 3073-byte record; record " +
                                   std::to_string(whole) + " starting at byte " + std::to_string(whole * kRecord) +
                                   " is cut short");
  }
  std::uint64_t records = bytes.size() / kRecord;
  for (std::uint64_t i = 0; i < records; ++i) {
    std::uint8_t label = bytes[i * kRecord];
    if (label > 9) {
      return dataset_error(file, "CIFAR-10 record " + std::to_string(i) + " (byte " + std::to_string(i * kRecord) +
                                     ") has label " + std::to_string(label) + ", not 0-9");
    }
  }
  Subset subset = subset_of(records, options);
  Dataset out;
  out.name = file.string();
  out.sample_shape = {3, 32, 32};
  out.pixels.resize(subset.count * kPixels);
  out.labels.resize(subset.count);
  for (std::uint64_t i = 0; i < subset.count; ++i) {
    const std::uint8_t* record = bytes.data() + subset.source(i) * kRecord;
    out.labels[i] = record[0];
    std::memcpy(out.pixels.data() + i * kPixels, record + 1, kPixels);
  }
  return out;
}

Result<Dataset> load_npy(const std::filesystem::path& inputs, const std::filesystem::path& labels,
                         const DatasetLoadOptions& options) {
  DCZ_ASSIGN_OR_RETURN(InputFile input_file, InputFile::open(inputs));
  DCZ_ASSIGN_OR_RETURN(NpyView input_view, parse_npy(input_file.bytes(), inputs.string()));
  DCZ_ASSIGN_OR_RETURN(InputFile label_file, InputFile::open(labels));
  DCZ_ASSIGN_OR_RETURN(NpyView label_view, parse_npy(label_file.bytes(), labels.string()));
  if (input_view.descr != "<f4" && input_view.descr != "|u1") {
    return dataset_error(inputs, "inputs dtype '" + input_view.descr + "' is not float32 ('<f4') or uint8 ('|u1')");
  }
  if (input_view.shape.size() < 2) return dataset_error(inputs, "inputs need shape (N, ...) of rank 2 or more");
  if (label_view.shape.size() != 1) return dataset_error(labels, "labels need shape (N,)");
  if (label_view.shape[0] != input_view.shape[0]) {
    return dataset_error(labels, std::to_string(label_view.shape[0]) + " labels for " +
                                     std::to_string(input_view.shape[0]) + " inputs in " + inputs.string());
  }
  Dataset out;
  out.name = inputs.string();
  out.sample_shape.assign(input_view.shape.begin() + 1, input_view.shape.end());
  Subset subset = subset_of(static_cast<std::uint64_t>(input_view.shape[0]), options);
  std::size_t per = out.sample_elements();
  if (input_view.descr == "<f4") {
    out.is_float = true;
    out.values.resize(subset.count * per);
    // The mapped bytes may not be 4-aligned for float: copy as bytes.
    copy_samples(input_view.data.data(), reinterpret_cast<std::uint8_t*>(out.values.data()), per * sizeof(float),
                 subset);
  } else {
    out.pixels.resize(subset.count * per);
    copy_samples(input_view.data.data(), out.pixels.data(), per, subset);
  }
  DCZ_ASSIGN_OR_RETURN(out.labels, npy_labels(label_view, labels, subset));
  return out;
}

}  // namespace dcz::eval
