// Writer of SPEC section 2. Layout decisions (alignment, section order) are the spec's; this file
// only follows them. Offsets the writer cannot know up front (DATA size, file size) are written as
// zero and patched in finish(), so the DATA payload streams straight to the sink.
#include <xxhash.h>
#include <zstd.h>

#include "container/le.h"
#include "dcz/container.h"
#include "dcz/format.h"

namespace dcz {

namespace fmt = format;

struct ContainerWriter::State {
  std::uint64_t alignment = 64;
  std::uint64_t section_count = 0;
  std::uint64_t data_header_offset = 0;
  std::uint64_t data_payload_offset = 0;
  XXH64_state_t* data_hash = nullptr;
  std::vector<std::uint8_t> table;  // TENS entries, built as tensors arrive
  std::uint64_t tensor_count = 0;
  bool begun = false;
  bool finished = false;
  ~State() {
    if (data_hash) XXH64_freeState(data_hash);
  }
};

namespace {

std::vector<std::uint8_t> section_header(std::uint32_t type, std::uint64_t payload_size,
                                         std::uint64_t payload_checksum) {
  std::vector<std::uint8_t> h;
  le::put_u32(h, type);
  le::put_u32(h, fmt::kSectionFlagRequired);
  le::put_u64(h, payload_size);
  le::put_u64(h, payload_checksum);
  le::put_u32(h, static_cast<std::uint32_t>(XXH64(h.data(), 24, fmt::kChecksumSeed)));
  le::put_u32(h, 0);
  return h;
}

Status pad_to(ByteSink& sink, std::uint64_t alignment) {
  static const std::uint8_t zeros[1 << 16] = {};
  std::uint64_t n = le::align_up(sink.size(), alignment) - sink.size();
  return sink.write({zeros, static_cast<std::size_t>(n)});
}

std::vector<std::uint8_t> file_header(std::uint32_t alignment_log2, std::uint64_t sections,
                                      std::uint64_t file_size) {
  std::vector<std::uint8_t> h(fmt::kMagic.begin(), fmt::kMagic.end());
  le::put_u16(h, fmt::kVersionMajor);
  le::put_u16(h, fmt::kVersionMinor);
  le::put_u32(h, fmt::kByteOrderMark);
  le::put_u32(h, 0);
  le::put_u32(h, alignment_log2);
  le::put_u64(h, sections);
  le::put_u64(h, file_size);
  le::put_u64(h, XXH64(h.data(), 40, fmt::kChecksumSeed));
  return h;
}

void put_entry(std::vector<std::uint8_t>& t, const TensorHeader& th, const EncodedTensor& enc,
               const std::vector<std::uint64_t>& offsets) {
  const std::size_t start = t.size();
  le::put_u32(t, 0);  // entry_size, patched below
  le::put_u8(t, static_cast<std::uint8_t>(th.dtype));
  le::put_u8(t, static_cast<std::uint8_t>(enc.representation));
  le::put_u8(t, th.flags);
  le::put_u8(t, static_cast<std::uint8_t>(enc.streams.size()));
  le::put_u32(t, static_cast<std::uint32_t>(th.dims.size()));
  le::put_u32(t, static_cast<std::uint32_t>(th.name.size()));
  le::put_u32(t, static_cast<std::uint32_t>(enc.params.size()));
  le::put_u32(t, 0);
  le::put_u64(t, th.byte_size);
  for (std::int64_t d : th.dims) le::put_u64(t, static_cast<std::uint64_t>(d));
  le::put_bytes(t, {reinterpret_cast<const std::uint8_t*>(th.name.data()), th.name.size()});
  le::put_bytes(t, enc.params);
  for (std::size_t i = 0; i < enc.streams.size(); ++i) {
    const EncodedStream& s = enc.streams[i];
    le::put_u8(t, static_cast<std::uint8_t>(s.role));
    le::put_u8(t, static_cast<std::uint8_t>(s.coding));
    le::put_u16(t, s.param);
    le::put_u32(t, 0);
    le::put_u64(t, offsets[i]);
    le::put_u64(t, s.bytes.size());
    le::put_u64(t, s.decoded_size);
  }
  le::store_u32(&t[start], static_cast<std::uint32_t>(t.size() - start));
}

// SPEC 2.3 "coded block": u8 coding, 7 reserved bytes, u64 decoded size, then the bytes raw or
// as one zstd frame, whichever is smaller (raw on ties).
// A level <= 0 keeps the block raw.
Status put_coded_block(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes, int level) {
  std::vector<std::uint8_t> frame(ZSTD_compressBound(bytes.size()));
  const std::size_t z = level > 0 ? ZSTD_compress(frame.data(), frame.size(), bytes.data(), bytes.size(), level)
                                  : bytes.size();  // "no gain": stays raw
  if (bytes.size() > fmt::kMaxCodedBlockSize) {
    return make_error(ErrorCode::kUnsupported, "a graph or tensor table over 2 GiB");
  }
  // Readers refuse blocks that claim more than 1024x their stored size (bomb guard); stay raw.
  const bool use_zstd = !ZSTD_isError(z) && z < bytes.size() &&
                        bytes.size() <= fmt::kMaxCodedBlockRatio * z + 4096;
  le::put_u8(out, use_zstd ? fmt::kGraphCodingZstd : fmt::kGraphCodingRaw);
  le::put_zeros(out, 7);
  le::put_u64(out, bytes.size());
  le::put_bytes(out, use_zstd ? std::span<const std::uint8_t>(frame.data(), z) : bytes);
  return Status::ok();
}

}  // namespace

ContainerWriter::ContainerWriter(ByteSink& sink, std::uint32_t alignment_log2)
    : sink_(sink), alignment_log2_(alignment_log2), state_(std::make_unique<State>()) {
  state_->alignment = std::uint64_t{1} << alignment_log2;
}

ContainerWriter::~ContainerWriter() = default;

Status ContainerWriter::begin(std::span<const std::uint8_t> skeleton, int zstd_level) {
  if (state_->begun) return make_error(ErrorCode::kInvalidArgument, "ContainerWriter::begin twice");
  if (alignment_log2_ < fmt::kMinAlignmentLog2 || alignment_log2_ > fmt::kMaxAlignmentLog2) {
    return make_error(ErrorCode::kInvalidArgument, "alignment_log2 out of range");
  }
  if (skeleton.size() > fmt::kMaxSkeletonSize) {
    return make_error(ErrorCode::kModelTooLarge, "model graph (without tensor values) over 2 GiB");
  }
  state_->begun = true;
  DCZ_TRY(sink_.write(file_header(alignment_log2_, 0, 0)));
  DCZ_TRY(pad_to(sink_, state_->alignment));

  // GRPH: zstd unless that does not help (tiny skeletons).
  std::vector<std::uint8_t> payload;
  DCZ_TRY(put_coded_block(payload, skeleton, zstd_level));
  table_zstd_level_ = zstd_level;
  DCZ_TRY(sink_.write(section_header(fmt::kSectionGraph, payload.size(),
                                     XXH64(payload.data(), payload.size(), fmt::kChecksumSeed))));
  DCZ_TRY(pad_to(sink_, state_->alignment));
  DCZ_TRY(sink_.write(payload));
  DCZ_TRY(pad_to(sink_, state_->alignment));
  state_->section_count = 1;

  // DATA header with size and checksum patched in finish().
  state_->data_header_offset = sink_.size();
  DCZ_TRY(sink_.write(section_header(fmt::kSectionTensorData, 0, 0)));
  DCZ_TRY(pad_to(sink_, state_->alignment));
  state_->data_payload_offset = sink_.size();
  state_->data_hash = XXH64_createState();
  if (!state_->data_hash) return make_error(ErrorCode::kOutOfMemory, "XXH64_createState");
  XXH64_reset(state_->data_hash, fmt::kChecksumSeed);
  return Status::ok();
}

Status ContainerWriter::add_tensor(const TensorHeader& header, const EncodedTensor& encoded) {
  if (!state_->begun || state_->finished) {
    return make_error(ErrorCode::kInvalidArgument, "ContainerWriter::add_tensor out of order");
  }
  if (encoded.streams.empty() || encoded.streams.size() > fmt::kMaxStreamsPerTensor ||
      header.dims.size() > fmt::kMaxRank || header.name.size() > fmt::kMaxNameLength ||
      encoded.params.size() > fmt::kMaxParamsSize) {
    return make_error(ErrorCode::kUnsupported,
                      "tensor '" + header.name + "' exceeds a format limit (rank, name, streams)");
  }
  if (state_->tensor_count >= fmt::kMaxTensors) {
    return make_error(ErrorCode::kUnsupported, "more than 2^24 tensors");
  }
  std::vector<std::uint64_t> offsets;
  static const std::uint8_t zeros[1 << 16] = {};
  for (const EncodedStream& s : encoded.streams) {
    // SPEC 2.4: only streams of at least A bytes are aligned; smaller ones are packed, since
    // nobody maps a few bytes in place and padding would dominate small models.
    const std::uint64_t rel = sink_.size() - state_->data_payload_offset;
    const std::uint64_t pad =
        s.bytes.size() >= state_->alignment ? le::align_up(rel, state_->alignment) - rel : 0;
    if (pad) {
      DCZ_TRY(sink_.write({zeros, static_cast<std::size_t>(pad)}));
      XXH64_update(state_->data_hash, zeros, pad);
    }
    offsets.push_back(rel + pad);
    DCZ_TRY(sink_.write(s.bytes));
    XXH64_update(state_->data_hash, s.bytes.data(), s.bytes.size());
  }
  put_entry(state_->table, header, encoded, offsets);
  ++state_->tensor_count;
  return Status::ok();
}

Status ContainerWriter::finish() {
  if (!state_->begun || state_->finished) {
    return make_error(ErrorCode::kInvalidArgument, "ContainerWriter::finish out of order");
  }
  state_->finished = true;
  const std::uint64_t data_size = sink_.size() - state_->data_payload_offset;
  DCZ_TRY(sink_.write_at(state_->data_header_offset,
                         section_header(fmt::kSectionTensorData, data_size,
                                        XXH64_digest(state_->data_hash))));
  DCZ_TRY(pad_to(sink_, state_->alignment));

  // TENS: the entries, zstd-compressed when that is smaller (names and zero fields compress).
  std::vector<std::uint8_t> entries;
  le::put_u64(entries, state_->tensor_count);
  le::put_bytes(entries, state_->table);
  std::vector<std::uint8_t> tens;
  DCZ_TRY(put_coded_block(tens, entries, table_zstd_level_));
  DCZ_TRY(sink_.write(section_header(fmt::kSectionTensorTable, tens.size(),
                                     XXH64(tens.data(), tens.size(), fmt::kChecksumSeed))));
  DCZ_TRY(pad_to(sink_, state_->alignment));
  DCZ_TRY(sink_.write(tens));
  DCZ_TRY(pad_to(sink_, state_->alignment));
  state_->section_count = 3;
  return sink_.write_at(0, file_header(alignment_log2_, state_->section_count, sink_.size()));
}

Status VectorSink::write(std::span<const std::uint8_t> bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return Status::ok();
}

Status VectorSink::write_at(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (offset + bytes.size() > bytes_.size()) {
    return make_error(ErrorCode::kInvalidArgument, "patch past the written end");
  }
  std::copy(bytes.begin(), bytes.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(offset));
  return Status::ok();
}

}  // namespace dcz
