// Reader of SPEC section 2: one function per structure, each checking the bytes it needs before
// reading them and every count before allocating. Errors name the section, field and offset.
#include <xxhash.h>
#include <zstd.h>

#include <cstdio>

#include "container/le.h"
#include "core/zstd_context.h"
#include "dcz/container.h"
#include "dcz/format.h"

namespace dcz {

namespace fmt = format;

namespace {

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string at(std::uint64_t offset) { return " at byte " + std::to_string(offset); }

std::string fourcc_name(std::uint32_t t) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((t >> (8 * i)) & 0xFF);
    s += (c >= 32 && c < 127) ? c : '?';
  }
  return s;
}

// Collects annotation rows when asked; otherwise costs nothing.
class Annotator {
 public:
  explicit Annotator(std::vector<AnnotationRow>* rows) : rows_(rows) {}
  bool active() const { return rows_ != nullptr; }
  void row(std::uint64_t off, std::uint64_t size, std::string type, std::string value,
           std::string meaning, std::string problem = {}) {
    if (rows_) rows_->push_back({off, size, std::move(type), std::move(value), std::move(meaning),
                                 std::move(problem)});
  }
  void mark_last(const Status& s) {
    if (rows_ && !rows_->empty() && !s.is_ok()) rows_->back().problem = s.to_string();
  }
  void note(const Status& s, std::uint64_t off) {
    if (rows_ && !s.is_ok()) rows_->push_back({off, 0, "error", "", "", s.to_string()});
  }

 private:
  std::vector<AnnotationRow>* rows_;
};

class Reader {
 public:
  Reader(std::span<const std::uint8_t> file, std::string_view name, const ReadOptions& opt)
      : file_(file), ann_(opt.annotation) {
    c_.source_name = std::string(name);
  }

  Result<Container> run() {
    Status s = read_all();
    if (!s.is_ok()) {
      ann_.note(s, 0);
      return s;
    }
    if (!deferred_.is_ok()) return deferred_;  // a checksum error seen in annotate mode
    return std::move(c_);
  }

 private:
  Status err(ErrorCode code, const std::string& msg) { return make_error(code, msg); }

  // A checksum mismatch: fatal, unless annotating, where it is recorded and reading goes on.
  Status checksum_mismatch(const std::string& what, std::uint64_t off, std::uint64_t stored,
                           std::uint64_t actual) {
    Status s = err(ErrorCode::kBadChecksum, what + " checksum mismatch" + at(off) + ": stored " +
                                                hex(stored) + ", computed " + hex(actual));
    if (!ann_.active()) return s;
    ann_.mark_last(s);
    if (deferred_.is_ok()) deferred_ = s;
    return Status::ok();
  }

  Status read_all() {
    DCZ_TRY(read_file_header());
    DCZ_TRY(read_sections());
    DCZ_TRY(read_graph());
    DCZ_TRY(read_tensor_table());
    return check_data_layout();
  }

  Status read_file_header() {
    if (file_.size() < fmt::kFileHeaderSize) {
      return err(ErrorCode::kTruncated, "file is " + std::to_string(file_.size()) +
                                            " bytes, shorter than the 48-byte file header");
    }
    const std::uint8_t* p = file_.data();
    ann_.row(0, 8, "bytes", "magic", "file signature \\x89DCZ\\r\\n\\x1a\\n");
    if (!std::equal(fmt::kMagic.begin(), fmt::kMagic.end(), p)) {
      return err(ErrorCode::kBadMagic, "not a .dcz file: the first 8 bytes are not the dcz magic");
    }
    FileHeader& h = c_.header;
    h.version_major = le::get_u16(p + 8);
    h.version_minor = le::get_u16(p + 10);
    const std::uint32_t bom = le::get_u32(p + 12);
    const std::uint32_t flags = le::get_u32(p + 16);
    h.alignment_log2 = le::get_u32(p + 20);
    h.section_count = le::get_u64(p + 24);
    h.file_size = le::get_u64(p + 32);
    const std::uint64_t stored = le::get_u64(p + 40);
    ann_.row(8, 2, "u16", std::to_string(h.version_major), "version_major");
    ann_.row(10, 2, "u16", std::to_string(h.version_minor), "version_minor");
    ann_.row(12, 4, "u32", hex(bom), "byte_order_mark");
    ann_.row(16, 4, "u32", hex(flags), "flags (all reserved)");
    ann_.row(20, 4, "u32", std::to_string(h.alignment_log2), "alignment_log2");
    ann_.row(24, 8, "u64", std::to_string(h.section_count), "section_count");
    ann_.row(32, 8, "u64", std::to_string(h.file_size), "file_size");
    ann_.row(40, 8, "u64", hex(stored), "header_checksum = XXH64(bytes 0..39)");
    const std::uint64_t actual = XXH64(p, 40, fmt::kChecksumSeed);
    if (actual != stored) DCZ_TRY(checksum_mismatch("file header", 40, stored, actual));
    if (h.version_major != fmt::kVersionMajor) {
      return err(ErrorCode::kUnsupportedVersion,
                 "format version " + std::to_string(h.version_major) + "." +
                     std::to_string(h.version_minor) + at(8) + "; this reader knows version 1");
    }
    if (bom != fmt::kByteOrderMark) {
      return err(ErrorCode::kBadByteOrder, "byte_order_mark " + hex(bom) + at(12) +
                                               " is not 0x0a0b0c0d (little-endian)");
    }
    if (flags & fmt::kFileFlagsReservedMask) {
      return err(ErrorCode::kReservedBitSet, "reserved file flags " + hex(flags) + " set" + at(16));
    }
    if (h.alignment_log2 < fmt::kMinAlignmentLog2 || h.alignment_log2 > fmt::kMaxAlignmentLog2) {
      return err(ErrorCode::kBadAlignment,
                 "alignment_log2 " + std::to_string(h.alignment_log2) + at(20) + " not in 5..16");
    }
    if (h.section_count < fmt::kMinSections || h.section_count > fmt::kMaxSections) {
      return err(ErrorCode::kBadSize,
                 "section_count " + std::to_string(h.section_count) + at(24) + " not in 3..1024");
    }
    if (h.file_size > file_.size()) {
      return err(ErrorCode::kTruncated, "file_size says " + std::to_string(h.file_size) +
                                            " bytes but the file has " +
                                            std::to_string(file_.size()));
    }
    if (h.file_size < file_.size()) {
      return err(ErrorCode::kTrailingBytes, std::to_string(file_.size() - h.file_size) +
                                                " bytes after file_size " +
                                                std::to_string(h.file_size));
    }
    alignment_ = std::uint64_t{1} << h.alignment_log2;
    return check_padding(fmt::kFileHeaderSize, le::align_up(fmt::kFileHeaderSize, alignment_),
                         "after the file header");
  }

  Status check_padding(std::uint64_t from, std::uint64_t to, const std::string& where) {
    if (to > file_.size()) {
      return err(ErrorCode::kTruncated, "file ends inside padding " + where + at(file_.size()));
    }
    for (std::uint64_t i = from; i < to; ++i) {
      if (file_[i] != 0) {
        return err(ErrorCode::kBadPadding, "nonzero padding byte " + where + at(i));
      }
    }
    if (to > from) ann_.row(from, to - from, "padding", "", "zero padding " + where);
    return Status::ok();
  }

  Status read_section_header(std::uint64_t off, SectionInfo& s, std::uint64_t& checksum) {
    if (off + fmt::kSectionHeaderSize > file_.size()) {
      return err(ErrorCode::kTruncated, "file ends inside the header of section " +
                                            std::to_string(c_.sections.size()) + at(off));
    }
    const std::uint8_t* p = file_.data() + off;
    s.header_offset = off;
    s.type = le::get_u32(p);
    s.flags = le::get_u32(p + 4);
    s.payload_size = le::get_u64(p + 8);
    checksum = le::get_u64(p + 16);
    const std::uint32_t hsum = le::get_u32(p + 24);
    const std::uint32_t reserved = le::get_u32(p + 28);
    const std::string name = "section '" + fourcc_name(s.type) + "'";
    ann_.row(off, 4, "u32", fourcc_name(s.type), "section type");
    ann_.row(off + 4, 4, "u32", hex(s.flags), "section flags (bit 0 required)");
    ann_.row(off + 8, 8, "u64", std::to_string(s.payload_size), "payload_size");
    ann_.row(off + 16, 8, "u64", hex(checksum), "payload_checksum = XXH64(payload)");
    ann_.row(off + 24, 4, "u32", hex(hsum), "header_checksum = XXH64(header bytes 0..23) & 0xffffffff");
    ann_.row(off + 28, 4, "u32", hex(reserved), "reserved");
    const auto actual = static_cast<std::uint32_t>(XXH64(p, 24, fmt::kChecksumSeed));
    if (actual != hsum) DCZ_TRY(checksum_mismatch(name + " header", off + 24, hsum, actual));
    if (reserved != 0 || (s.flags & fmt::kSectionFlagsReservedMask)) {
      return err(ErrorCode::kReservedBitSet, "reserved bits set in the header of " + name + at(off));
    }
    s.payload_offset = le::align_up(off + fmt::kSectionHeaderSize, alignment_);
    if (s.payload_offset > file_.size() || s.payload_size > file_.size() - s.payload_offset) {
      return err(ErrorCode::kTruncated, name + at(off) + " has a payload of " +
                                            std::to_string(s.payload_size) +
                                            " bytes that runs past the end of the file");
    }
    s.padded_end = le::align_up(s.payload_offset + s.payload_size, alignment_);
    if (s.padded_end > file_.size()) {
      return err(ErrorCode::kTruncated, "file ends inside the padding after " + name);
    }
    DCZ_TRY(check_padding(off + fmt::kSectionHeaderSize, s.payload_offset, "before " + name));
    ann_.row(s.payload_offset, s.payload_size, "payload", "", name + " payload");
    const std::uint64_t actual_payload =
        XXH64(file_.data() + s.payload_offset, s.payload_size, fmt::kChecksumSeed);
    if (actual_payload != checksum) {
      DCZ_TRY(checksum_mismatch(name + " payload", s.payload_offset, checksum, actual_payload));
    }
    return check_padding(s.payload_offset + s.payload_size, s.padded_end, "after " + name);
  }

  Status read_sections() {
    std::uint64_t off = le::align_up(fmt::kFileHeaderSize, alignment_);
    const std::uint32_t required[] = {fmt::kSectionGraph, fmt::kSectionTensorData,
                                      fmt::kSectionTensorTable};
    std::size_t next_required = 0;
    for (std::uint64_t i = 0; i < c_.header.section_count; ++i) {
      SectionInfo s;
      std::uint64_t checksum = 0;
      DCZ_TRY(read_section_header(off, s, checksum));
      const bool known = s.type == fmt::kSectionGraph || s.type == fmt::kSectionTensorData ||
                         s.type == fmt::kSectionTensorTable;
      if (known) {
        if (next_required >= 3 || s.type != required[next_required]) {
          return err(ErrorCode::kBadSection, "section '" + fourcc_name(s.type) + "'" +
                                                 at(off) + " is duplicated or out of order "
                                                 "(GRPH, DATA, TENS expected)");
        }
        if (!(s.flags & fmt::kSectionFlagRequired)) {
          return err(ErrorCode::kBadSection,
                     "section '" + fourcc_name(s.type) + "'" + at(off) + " lacks the required flag");
        }
        ++next_required;
      } else if (s.flags & fmt::kSectionFlagRequired) {
        return err(ErrorCode::kBadSection, "unknown required section '" + fourcc_name(s.type) +
                                               "'" + at(off) + " (written by a newer dcz?)");
      }
      c_.sections.push_back(s);
      off = s.padded_end;
    }
    if (next_required != 3) {
      return err(ErrorCode::kBadSection, "missing required section '" +
                                             fourcc_name(required[next_required]) + "'");
    }
    if (off != c_.header.file_size) {
      return err(ErrorCode::kTrailingBytes, std::to_string(c_.header.file_size - off) +
                                                " bytes after the last section" + at(off));
    }
    return Status::ok();
  }

  const SectionInfo& section(std::uint32_t type) const {
    for (const SectionInfo& s : c_.sections) {
      if (s.type == type) return s;
    }
    return c_.sections.front();  // unreachable: read_sections() guarantees presence
  }

  // SPEC 2.3 "coded block" (GRPH and TENS payloads): u8 coding, 7 reserved, u64 decoded size,
  // then raw bytes or one zstd frame. The declared size is bounded before anything is allocated.
  Status read_coded_block(const SectionInfo& s, const char* name, const char* what,
                          std::vector<std::uint8_t>& out, std::uint8_t& coding) {
    const std::uint64_t off = s.payload_offset;
    const std::string sec = std::string("section '") + name + "'";
    if (s.payload_size < fmt::kGraphHeaderSize) {
      return err(ErrorCode::kTruncated, sec + at(off) + " is shorter than its 16-byte block header");
    }
    const std::uint8_t* p = file_.data() + off;
    coding = p[0];
    const std::uint64_t size = le::get_u64(p + 8);
    ann_.row(off, 1, "u8", std::to_string(coding), std::string(name) + " coding (0 raw, 1 zstd)");
    ann_.row(off + 1, 7, "bytes", "", std::string(name) + " reserved");
    ann_.row(off + 8, 8, "u64", std::to_string(size), std::string(name) + " decoded size");
    for (int i = 1; i < 8; ++i) {
      if (p[i] != 0) return err(ErrorCode::kReservedBitSet, sec + " reserved byte set" + at(off + i));
    }
    std::span<const std::uint8_t> stored(p + 16, s.payload_size - 16);
    if (size > fmt::kMaxCodedBlockSize || size > fmt::kMaxCodedBlockRatio * stored.size() + 4096) {
      return err(ErrorCode::kBadSize, sec + ": decoded size " + std::to_string(size) + at(off + 8) +
                                          " over the limits of SPEC 2.3");
    }
    ann_.row(off + 16, stored.size(), "bytes", "", what);
    if (coding == fmt::kGraphCodingRaw) {
      if (stored.size() != size) {
        return err(ErrorCode::kBadSize, sec + ": raw block is " + std::to_string(stored.size()) +
                                            " bytes, its header says " + std::to_string(size));
      }
      out.assign(stored.begin(), stored.end());
      return Status::ok();
    }
    if (coding != fmt::kGraphCodingZstd) {
      return err(ErrorCode::kBadSection, sec + ": unknown coding " + std::to_string(coding) + at(off));
    }
    const unsigned long long content = ZSTD_getFrameContentSize(stored.data(), stored.size());
    const std::size_t frame = ZSTD_findFrameCompressedSize(stored.data(), stored.size());
    if (content != size || ZSTD_isError(frame) || frame != stored.size()) {
      return err(ErrorCode::kBadCompressedData, sec + ": zstd frame" + at(off + 16) +
                                                    " is corrupt, of another size, or followed by bytes");
    }
    out.resize(size);
    const std::size_t got = ZSTD_decompressDCtx(thread_dctx(), out.data(), size, stored.data(), stored.size());
    if (ZSTD_isError(got) || got != size) {
      return err(ErrorCode::kBadCompressedData, sec + ": zstd frame" + at(off + 16) + " is corrupt");
    }
    return Status::ok();
  }

  Status read_graph() {
    const SectionInfo& s = section(fmt::kSectionGraph);
    DCZ_TRY(read_coded_block(s, "GRPH", "ONNX ModelProto skeleton (tensor values removed)", c_.skeleton,
                             c_.graph_coding));
    c_.graph_stored_size = s.payload_size - fmt::kGraphHeaderSize;
    return Status::ok();
  }

  Status read_tensor_table() {
    const SectionInfo& s = section(fmt::kSectionTensorTable);
    std::uint8_t coding = 0;
    DCZ_TRY(read_coded_block(s, "TENS", "tensor table", table_, coding));
    // Offsets in messages: absolute for a raw table, else within the decoded table.
    table_raw_ = coding == fmt::kGraphCodingRaw;
    le::BoundedReader r(table_, table_raw_ ? s.payload_offset + fmt::kGraphHeaderSize : 0);
    std::uint64_t count = 0;
    if (!r.u64(count)) return err(ErrorCode::kTruncated, "TENS" + tat(r.absolute()) + ": no tensor_count");
    ann_.row(r.absolute() - 8, 8, "u64", std::to_string(count), "tensor_count");
    // Each entry takes at least 32 + 32 bytes, which bounds the count by the table size.
    if (count > fmt::kMaxTensors || count > r.remaining() / 64) {
      return err(ErrorCode::kBadSize, "tensor_count " + std::to_string(count) + tat(r.absolute() - 8) +
                                          " is larger than TENS can hold");
    }
    c_.tensors.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      TensorEntry e;
      DCZ_TRY(read_entry(r, i, e));
      c_.tensors.push_back(std::move(e));
    }
    if (r.remaining() != 0) {
      return err(ErrorCode::kTrailingBytes, std::to_string(r.remaining()) +
                                                " bytes after the last tensor entry" + tat(r.absolute()));
    }
    return Status::ok();
  }

  // A position in the tensor table, for messages.
  std::string tat(std::uint64_t off) const {
    return table_raw_ ? at(off) : " at byte " + std::to_string(off) + " of the decoded tensor table";
  }

  Status read_entry(le::BoundedReader& r, std::uint64_t index, TensorEntry& e) {
    // Built only for a message or an annotation: this runs once per tensor of every decode.
    const auto who = [index] { return "tensor entry " + std::to_string(index); };
    e.entry_offset = r.absolute();
    std::uint32_t entry_size = 0, rank = 0, name_size = 0, params_size = 0, reserved = 0;
    std::uint8_t dtype = 0, rep = 0, stream_count = 0;
    if (!r.u32(entry_size) || !r.u8(dtype) || !r.u8(rep) || !r.u8(e.flags) ||
        !r.u8(stream_count) || !r.u32(rank) || !r.u32(name_size) || !r.u32(params_size) ||
        !r.u32(reserved) || !r.u64(e.byte_size)) {
      return err(ErrorCode::kTruncated, who() + tat(e.entry_offset) + ": TENS ends inside it");
    }
    if (ann_.active()) {
      ann_.row(e.entry_offset, fmt::kTensorEntryFixedSize, "entry",
               "dtype " + std::to_string(dtype) + " rep " + std::to_string(rep) + " streams " +
                   std::to_string(stream_count) + " rank " + std::to_string(rank),
               who() + " (size " + std::to_string(entry_size) + ", byte_size " +
                   std::to_string(e.byte_size) + ")");
    }
    const auto dt = dtype_from_int(dtype);
    if (!dt) return err(ErrorCode::kBadTensorEntry, who() + tat(e.entry_offset + 4) + ": unknown dtype " + std::to_string(dtype));
    e.dtype = *dt;
    if (rep > static_cast<std::uint8_t>(Representation::kLevels)) {
      return err(ErrorCode::kBadTensorEntry, who() + tat(e.entry_offset + 5) + ": unknown representation " + std::to_string(rep));
    }
    e.representation = static_cast<Representation>(rep);
    if ((e.flags & fmt::kTensorFlagsReservedMask) || reserved != 0) {
      return err(ErrorCode::kReservedBitSet, who() + tat(e.entry_offset) + ": reserved bits set");
    }
    if (stream_count == 0 || stream_count > fmt::kMaxStreamsPerTensor || rank > fmt::kMaxRank ||
        name_size > fmt::kMaxNameLength || params_size > fmt::kMaxParamsSize) {
      return err(ErrorCode::kBadSize, who() + tat(e.entry_offset) +
                                          ": stream_count, rank, name_size or params_size over its limit");
    }
    const std::uint64_t v1_size = fmt::kTensorEntryFixedSize + 8ull * rank + name_size +
                                  params_size + std::uint64_t{fmt::kStreamDescriptorSize} * stream_count;
    const bool exact = c_.header.version_minor == fmt::kVersionMinor;
    if (entry_size < v1_size || (exact && entry_size != v1_size) ||
        entry_size - fmt::kTensorEntryFixedSize > r.remaining()) {
      return err(ErrorCode::kBadSize, who() + tat(e.entry_offset) + ": entry_size " +
                                          std::to_string(entry_size) + " does not match its fields");
    }
    std::uint64_t elements = 1;
    for (std::uint32_t d = 0; d < rank; ++d) {
      std::uint64_t v = 0;
      (void)r.u64(v);  // cannot fail: entry_size was checked against remaining()
      const auto dim = static_cast<std::int64_t>(v);
      if (dim < 0 || (dim > 0 && elements > UINT64_MAX / static_cast<std::uint64_t>(dim))) {
        return err(ErrorCode::kBadTensorEntry, who() + tat(r.absolute() - 8) + ": dimension " +
                                                   std::to_string(dim) + " negative or overflowing");
      }
      elements *= static_cast<std::uint64_t>(dim);
      e.dims.push_back(dim);
    }
    std::span<const std::uint8_t> name, params;
    (void)r.bytes(name_size, name);
    (void)r.bytes(params_size, params);
    e.name.assign(name.begin(), name.end());
    e.params.assign(params.begin(), params.end());
    if (ann_.active()) {
      ann_.row(e.entry_offset + 32, 8ull * rank, "i64[]", dims_text(e.dims), "dims");
      ann_.row(e.entry_offset + 32 + 8ull * rank, name_size, "utf-8", e.name, "name");
      if (params_size) ann_.row(r.absolute() - params_size, params_size, "bytes", "", "representation params");
    }
    const std::size_t esize = dtype_size(e.dtype);
    if (esize != 0 && (elements > UINT64_MAX / esize || elements * esize != e.byte_size)) {
      return err(ErrorCode::kBadTensorEntry, who() + " '" + e.name + "'" + tat(e.entry_offset + 24) +
                                                 ": byte_size " + std::to_string(e.byte_size) +
                                                 " is not elements x element size");
    }
    for (std::uint8_t k = 0; k < stream_count; ++k) DCZ_TRY(read_stream(r, index, e));
    return r.skip(entry_size - v1_size)
               ? Status::ok()
               : err(ErrorCode::kTruncated, who() + ": TENS ends inside it");
  }

  static std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + "]";
  }

  Status read_stream(le::BoundedReader& r, std::uint64_t index, TensorEntry& e) {
    const auto who = [index] { return "tensor entry " + std::to_string(index); };
    const std::uint64_t off = r.absolute();
    StreamDescriptor d;
    std::uint8_t role = 0, coding = 0;
    std::uint32_t reserved = 0;
    (void)(r.u8(role) && r.u8(coding) && r.u16(d.param) && r.u32(reserved) && r.u64(d.offset) &&
           r.u64(d.size) && r.u64(d.decoded_size));
    if (ann_.active()) {
      ann_.row(off, fmt::kStreamDescriptorSize, "stream",
               "role " + std::to_string(role) + " coding " + std::to_string(coding) + " param " +
                   std::to_string(d.param),
               "offset " + std::to_string(d.offset) + " size " + std::to_string(d.size) +
                   " decoded " + std::to_string(d.decoded_size));
    }
    if (role > static_cast<std::uint8_t>(StreamRole::kLevels) ||
        coding > static_cast<std::uint8_t>(StreamCoding::kAdaptiveBinary)) {
      return err(ErrorCode::kBadTensorEntry, who() + " '" + e.name + "'" + tat(off) +
                                                 ": unknown stream role or coding");
    }
    if (reserved != 0) return err(ErrorCode::kReservedBitSet, who() + tat(off + 4) + ": stream reserved field set");
    d.role = static_cast<StreamRole>(role);
    d.coding = static_cast<StreamCoding>(coding);
    e.streams.push_back(d);
    return Status::ok();
  }

  // SPEC 2.4: streams aligned, in table order, inside DATA, zero padding between them.
  Status check_data_layout() {
    const SectionInfo& s = section(fmt::kSectionTensorData);
    c_.data = file_.subspan(s.payload_offset, s.payload_size);
    c_.data_offset = s.payload_offset;
    std::uint64_t end = 0;
    for (const TensorEntry& e : c_.tensors) {
      for (const StreamDescriptor& d : e.streams) {
        const auto who = [&e] { return "stream of tensor '" + e.name + "'"; };
        if (d.size >= alignment_ && d.offset % alignment_ != 0) {
          return err(ErrorCode::kBadAlignment, who() + ": offset " + std::to_string(d.offset) +
                                                   " not a multiple of " + std::to_string(alignment_) + " for a stream of at least that size");
        }
        if (d.offset < end || d.offset > s.payload_size || d.size > s.payload_size - d.offset) {
          return err(ErrorCode::kBadOffset, who() + ": bytes " + std::to_string(d.offset) + ".." +
                                                std::to_string(d.offset + d.size) +
                                                " overlap or leave the DATA payload");
        }
        for (std::uint64_t i = end; i < d.offset; ++i) {
          if (c_.data[i] != 0) {
            return err(ErrorCode::kBadPadding, "nonzero padding in DATA" + at(c_.data_offset + i));
          }
        }
        end = d.offset + d.size;
      }
    }
    if (end != s.payload_size) {
      return err(ErrorCode::kTrailingBytes, "DATA has " + std::to_string(s.payload_size - end) +
                                                " bytes after its last stream");
    }
    return Status::ok();
  }

  std::span<const std::uint8_t> file_;
  Annotator ann_;
  Container c_;
  std::uint64_t alignment_ = 64;
  Status deferred_;
  std::vector<std::uint8_t> table_;  // the decoded TENS payload
  bool table_raw_ = true;
};

}  // namespace

std::uint64_t TensorEntry::element_count() const {
  std::uint64_t n = 1;
  for (std::int64_t d : dims) n *= static_cast<std::uint64_t>(d);
  return n;
}

EncodedTensorView Container::view(std::size_t i) const {
  const TensorEntry& e = tensors[i];
  EncodedTensorView v;
  v.representation = e.representation;
  v.params = e.params;
  for (const StreamDescriptor& d : e.streams) {
    v.streams.push_back({d.role, d.coding, d.param, d.decoded_size, data_offset + d.offset,
                         data.subspan(d.offset, d.size)});
  }
  return v;
}

Result<Container> read_container(std::span<const std::uint8_t> file, std::string_view source_name,
                                 const ReadOptions& options) {
  Reader reader(file, source_name, options);
  return reader.run();
}

}  // namespace dcz
