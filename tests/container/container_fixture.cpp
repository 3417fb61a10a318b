#include "container/container_fixture.h"

#include <xxhash.h>

#include <cstring>

#include "container/dense.h"
#include "container/le.h"
#include "dcz/format.h"

namespace dcz::testing {

std::vector<FixtureTensor> fixture_tensors() {
  std::vector<FixtureTensor> t(4);
  const std::uint32_t f[6] = {0x3F800000u, 0x80000000u /* -0.0 */, 0x7FC00123u /* NaN payload */,
                              0x00000001u /* subnormal */, 0xC0490FDBu, 0x00000000u};
  t[0].header = {"w", DType::kFloat32, {2, 3}, 0, 24};
  t[0].bytes.resize(24);
  std::memcpy(t[0].bytes.data(), f, 24);
  t[1].header = {"shape", DType::kInt64, {4}, 1, 32};
  for (std::int64_t v : {std::int64_t{1}, std::int64_t{-1}, std::int64_t{1} << 40, std::int64_t{7}}) {
    for (int i = 0; i < 8; ++i) t[1].bytes.push_back(std::uint8_t(std::uint64_t(v) >> (8 * i)));
  }
  t[2].header = {"big", DType::kFloat32, {10, 100}, 0, 4000};
  for (int i = 0; i < 1000; ++i) {
    const float v = static_cast<float>(i % 17) * 0.25f;
    std::uint8_t b[4];
    std::memcpy(b, &v, 4);
    t[2].bytes.insert(t[2].bytes.end(), b, b + 4);
  }
  // Incompressible, so stored raw (400 bytes) and aligned: the others are packed before it.
  t[3].header = {"noise", DType::kFloat32, {100}, 0, 400};
  std::uint32_t x = 2463534242u;
  for (int i = 0; i < 400; ++i) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    t[3].bytes.push_back(static_cast<std::uint8_t>(x));
  }
  return t;
}

std::vector<std::uint8_t> fixture_skeleton() {
  std::vector<std::uint8_t> s(40);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return s;
}

std::vector<std::uint8_t> build_container(const std::vector<FixtureTensor>& tensors,
                                          std::span<const std::uint8_t> skeleton,
                                          std::uint32_t alignment_log2) {
  VectorSink sink;
  ContainerWriter w(sink, alignment_log2);
  // Raw GRPH and TENS blocks, so tests can edit table fields in place (SPEC 2.3).
  if (!w.begin(skeleton, 0).is_ok()) return {};
  for (const FixtureTensor& t : tensors) {
    TensorView v{t.header.dtype, t.header.dims, t.bytes};
    if (!w.add_tensor(t.header, encode_dense(v, {})).is_ok()) return {};
  }
  if (!w.finish().is_ok()) return {};
  return std::move(sink.bytes());
}

std::vector<SectionLoc> locate_sections(std::span<const std::uint8_t> f) {
  std::vector<SectionLoc> out;
  if (f.size() < 48) return out;
  const std::uint32_t log2 = le::get_u32(&f[20]);
  if (log2 < format::kMinAlignmentLog2 || log2 > format::kMaxAlignmentLog2) return out;  // nothing to walk
  const std::uint64_t a = std::uint64_t{1} << log2;
  std::uint64_t off = le::align_up(48, a);
  const std::uint64_t count = std::min<std::uint64_t>(le::get_u64(&f[24]), format::kMaxSections);
  for (std::uint64_t i = 0; i < count && off + 32 <= f.size(); ++i) {
    SectionLoc s{le::get_u32(&f[off]), off, le::align_up(off + 32, a), le::get_u64(&f[off + 8])};
    out.push_back(s);
    // Stop at a payload that leaves the file (also keeps the sum from wrapping around).
    if (s.payload_offset > f.size() || s.payload_size > f.size() - s.payload_offset) break;
    off = le::align_up(s.payload_offset + s.payload_size, a);
  }
  return out;
}

const SectionLoc* find_section(const std::vector<SectionLoc>& s, std::uint32_t type) {
  for (const SectionLoc& x : s) {
    if (x.type == type) return &x;
  }
  return nullptr;
}

void put_u32(std::vector<std::uint8_t>& f, std::uint64_t off, std::uint32_t v) { le::store_u32(&f[off], v); }
void put_u64(std::vector<std::uint8_t>& f, std::uint64_t off, std::uint64_t v) { le::store_u64(&f[off], v); }

void reseal(std::vector<std::uint8_t>& f) {
  for (const SectionLoc& s : locate_sections(f)) {
    if (s.payload_offset <= f.size() && s.payload_size <= f.size() - s.payload_offset) {
      put_u64(f, s.header_offset + 16, XXH64(&f[s.payload_offset], s.payload_size, 0));
    }
    put_u32(f, s.header_offset + 24, static_cast<std::uint32_t>(XXH64(&f[s.header_offset], 24, 0)));
  }
  put_u64(f, 40, XXH64(f.data(), 40, 0));
}

std::uint64_t tensor_entry_offset(std::span<const std::uint8_t> f, std::size_t index) {
  const auto secs = locate_sections(f);
  const SectionLoc* t = find_section(secs, format::kSectionTensorTable);
  std::uint64_t off = t->payload_offset + 16 + 8;  // block header, tensor_count
  for (std::size_t i = 0; i < index; ++i) off += le::get_u32(&f[off]);
  return off;
}

}  // namespace dcz::testing
