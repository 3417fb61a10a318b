// Little-endian encoding helpers and the bounded reader every parser in dcz uses: each read checks
// the bytes remaining first, so no field read from a file can run past its buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace dcz::le {

inline void put_u8(std::vector<std::uint8_t>& out, std::uint8_t v) { out.push_back(v); }
inline void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(std::uint8_t(v));
  out.push_back(std::uint8_t(v >> 8));
}
inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}
inline void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}
inline void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}
inline void put_zeros(std::vector<std::uint8_t>& out, std::size_t n) { out.resize(out.size() + n, 0); }

inline std::uint16_t get_u16(const std::uint8_t* p) { return std::uint16_t(p[0] | p[1] << 8); }
inline std::uint32_t get_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}
inline std::uint64_t get_u64(const std::uint8_t* p) {
  return std::uint64_t(get_u32(p)) | std::uint64_t(get_u32(p + 4)) << 32;
}
inline void store_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = std::uint8_t(v >> (8 * i));
}
inline void store_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = std::uint8_t(v >> (8 * i));
}

inline std::uint64_t align_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }

// Reads fields from a byte span; every read fails (returns false) instead of running past the end.
// `base` is the absolute file offset of the span's first byte, for error messages.
class BoundedReader {
 public:
  BoundedReader(std::span<const std::uint8_t> bytes, std::uint64_t base)
      : bytes_(bytes), base_(base) {}
  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t position() const { return pos_; }
  std::uint64_t absolute() const { return base_ + pos_; }
  bool has(std::size_t n) const { return n <= remaining(); }

  bool u8(std::uint8_t& v) { return read(1) ? (v = bytes_[pos_ - 1], true) : false; }
  bool u16(std::uint16_t& v) { return read(2) ? (v = get_u16(&bytes_[pos_ - 2]), true) : false; }
  bool u32(std::uint32_t& v) { return read(4) ? (v = get_u32(&bytes_[pos_ - 4]), true) : false; }
  bool u64(std::uint64_t& v) { return read(8) ? (v = get_u64(&bytes_[pos_ - 8]), true) : false; }
  bool bytes(std::size_t n, std::span<const std::uint8_t>& v) {
    if (!read(n)) return false;
    v = bytes_.subspan(pos_ - n, n);
    return true;
  }
  bool skip(std::size_t n) { return read(n); }

 private:
  bool read(std::size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::uint64_t base_ = 0;
};

}  // namespace dcz::le
