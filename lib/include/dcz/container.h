// Reading and writing the .dcz container (format/SPEC.md sections 2, 4, 5). This layer knows
// nothing of ONNX: the skeleton is opaque bytes, tensors are dtype + dims + coded streams.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz {

// SPEC 2.5 "Stream descriptor".
struct StreamDescriptor {
  StreamRole role = StreamRole::kDenseBytes;
  StreamCoding coding = StreamCoding::kRaw;
  std::uint16_t param = 0;
  std::uint64_t offset = 0;  // relative to the DATA payload
  std::uint64_t size = 0;
  std::uint64_t decoded_size = 0;
};

// SPEC 2.5 "Tensor entry".
struct TensorEntry {
  DType dtype = DType::kFloat32;
  Representation representation = Representation::kDense;
  std::uint8_t flags = 0;
  std::vector<std::int64_t> dims;
  std::string name;
  std::uint64_t byte_size = 0;
  std::vector<std::uint8_t> params;
  std::vector<StreamDescriptor> streams;
  std::uint64_t entry_offset = 0;  // absolute offset in the file, for messages
  std::uint64_t element_count() const;
};

struct SectionInfo {
  std::uint32_t type = 0;
  std::uint32_t flags = 0;
  std::uint64_t header_offset = 0;
  std::uint64_t payload_offset = 0;
  std::uint64_t payload_size = 0;
  std::uint64_t padded_end = 0;  // where the next section starts
};

struct FileHeader {
  std::uint16_t version_major = 0;
  std::uint16_t version_minor = 0;
  std::uint32_t alignment_log2 = 0;
  std::uint64_t section_count = 0;
  std::uint64_t file_size = 0;
};

// A parsed, fully verified container. Views point into the caller's file bytes, which must
// outlive it.
struct Container {
  FileHeader header;
  std::vector<SectionInfo> sections;  // in file order, unknown optional ones included
  std::uint8_t graph_coding = 0;
  std::uint64_t graph_stored_size = 0;  // bytes of the GRPH payload after its 16-byte header
  std::vector<std::uint8_t> skeleton;   // decompressed GRPH skeleton
  std::vector<TensorEntry> tensors;
  std::span<const std::uint8_t> data;   // the DATA payload
  std::uint64_t data_offset = 0;        // absolute offset of the DATA payload
  std::string source_name;

  // Descriptor + bytes of tensor i's streams, for a representation decoder.
  EncodedTensorView view(std::size_t i) const;
};

// One line of `dcz-inspect --annotate`: a field of the file as the reader met it.
struct AnnotationRow {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::string type;     // "u32", "bytes", "section", ...
  std::string value;
  std::string meaning;
  std::string problem;  // empty when the field is good
};

struct ReadOptions {
  // Collect a row per field (for --annotate). When set, checksum mismatches are recorded on their
  // row and reading goes on, so a corrupt file still shows what it can; the result is still an error.
  std::vector<AnnotationRow>* annotation = nullptr;
};

// Parses and verifies every structural rule of SPEC sections 2 and 4: magic, version, reserved
// bits, checksums, sizes, offsets, alignment, padding. Stream contents are verified when decoded.
Result<Container> read_container(std::span<const std::uint8_t> file, std::string_view source_name,
                                 const ReadOptions& options = {});

// Decodes tensor i into `out`, whose size must be entry.byte_size. `out_is_zeroed` promises that
// `out` holds only zero bytes (fresh storage), so sparse tensors write just their nonzeros.
Status decode_tensor(const Container& container, std::size_t i, std::span<std::uint8_t> out,
                     bool out_is_zeroed = false);

// Where a writer sends bytes: a file (OutputFile) or memory.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(std::span<const std::uint8_t> bytes) = 0;
  virtual Status write_at(std::uint64_t offset, std::span<const std::uint8_t> bytes) = 0;
  virtual std::uint64_t size() const = 0;
};

class VectorSink final : public ByteSink {
 public:
  Status write(std::span<const std::uint8_t> bytes) override;
  Status write_at(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  std::uint64_t size() const override { return bytes_.size(); }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Identity of a tensor as the tensor table records it.
struct TensorHeader {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<std::int64_t> dims;
  std::uint8_t flags = 0;
  std::uint64_t byte_size = 0;
};

// Streams a container out: begin() writes the header, GRPH and opens DATA; add_tensor() appends
// one tensor's streams; finish() writes TENS and patches the sizes and checksums it could not know
// before. Memory stays bounded by the largest tensor, not the model.
class ContainerWriter {
 public:
  explicit ContainerWriter(ByteSink& sink, std::uint32_t alignment_log2 = 6);
  ~ContainerWriter();
  // `zstd_level` applies to the GRPH and TENS blocks; <= 0 stores them raw.
  Status begin(std::span<const std::uint8_t> skeleton, int zstd_level);
  Status add_tensor(const TensorHeader& header, const EncodedTensor& encoded);
  Status finish();

 private:
  struct State;
  ByteSink& sink_;
  std::uint32_t alignment_log2_;
  int table_zstd_level_ = 19;
  std::unique_ptr<State> state_;
};

}  // namespace dcz
