// Bit-level I/O shared by the entropy coders. Every bit stream in format/SPEC.md section 6 is packed
// LSB first: the first bit of a stream is bit 0 of its byte 0. Little-endian unaligned loads and
// stores are spelled with memcpy so they compile to single moves on x86-64 and stay defined.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

static_assert(std::endian::native == std::endian::little,
              "the bit coders assume a little-endian host; add byte swaps before porting");

namespace dcz::entropy {

inline std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) { std::memcpy(p, &v, 8); }
inline std::uint32_t load_le32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline void append_le16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(std::uint8_t(v));
  out.push_back(std::uint8_t(v >> 8));
}
inline void append_le32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}
inline void append_le64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

// Number of bits needed to write every value in [0, alphabet_size): ceil(log2(n)), at least 1.
inline unsigned bits_for_alphabet(std::uint64_t alphabet_size) {
  return alphabet_size <= 2 ? 1u : unsigned(std::bit_width(alphabet_size - 1));
}

// Appends bit fields of up to 56 bits to a byte vector, LSB first. Call finish() once at the end:
// it flushes the last partial byte with zero padding bits.
class BitWriter {
 public:
  explicit BitWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  void put(std::uint64_t value, unsigned bits) {  // bits <= 56; value < 2^bits
    acc_ |= value << count_;
    count_ += bits;
    while (count_ >= 8) {
      out_.push_back(std::uint8_t(acc_));
      acc_ >>= 8;
      count_ -= 8;
    }
  }
  // Any width up to 64 bits, split into two fields.
  void put_wide(std::uint64_t value, unsigned bits) {
    if (bits > 32) {
      put(value & 0xFFFFFFFFu, 32);
      put(value >> 32, bits - 32);
    } else {
      put(value, bits);
    }
  }
  void finish() {
    if (count_ > 0) out_.push_back(std::uint8_t(acc_));
    acc_ = 0;
    count_ = 0;
  }

 private:
  std::vector<std::uint8_t>& out_;
  std::uint64_t acc_ = 0;
  unsigned count_ = 0;
};

// Reads bit fields LSB first from a bounded buffer. Reading past the end yields zero bits and is
// remembered: overran() tells the caller the stream ended early. Never touches memory outside
// `bytes`.
class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::uint64_t get(unsigned bits) {  // bits <= 56
    refill(bits);
    std::uint64_t v = bits == 0 ? 0 : acc_ & (~std::uint64_t{0} >> (64 - bits));
    acc_ = bits == 64 ? 0 : acc_ >> bits;
    count_ -= bits;
    consumed_bits_ += bits;
    return v;
  }
  std::uint64_t get_wide(unsigned bits) {
    if (bits > 32) {
      std::uint64_t lo = get(32);
      return lo | get(bits - 32) << 32;
    }
    return get(bits);
  }
  std::uint64_t consumed_bits() const { return consumed_bits_; }
  bool overran() const { return consumed_bits_ > std::uint64_t(bytes_.size()) * 8; }
  // True when the bits after consumed_bits() up to the end of the last byte are all zero and no
  // whole byte is left unread.
  bool at_clean_end() const {
    std::uint64_t used_bytes = (consumed_bits_ + 7) / 8;
    if (used_bytes != bytes_.size()) return false;
    unsigned tail = unsigned(consumed_bits_ % 8);
    return tail == 0 || (bytes_.back() >> tail) == 0;
  }

 private:
  void refill(unsigned bits) {
    while (count_ < bits) {
      std::uint64_t byte = next_ < bytes_.size() ? bytes_[next_] : 0;
      ++next_;
      acc_ |= byte << count_;
      count_ += 8;
    }
  }
  std::span<const std::uint8_t> bytes_;
  std::size_t next_ = 0;
  std::uint64_t acc_ = 0;
  unsigned count_ = 0;
  std::uint64_t consumed_bits_ = 0;
};

}  // namespace dcz::entropy
