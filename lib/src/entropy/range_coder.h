// The adaptive binary range coder of the levels representation (format/SPEC.md 6.10): LZMA's
// range coder (32-bit range, carry propagation through a cached byte) with 15-bit probabilities
// and a two-rate estimate per context (a fast and a slow exponential average mixed 1:3, as VVC's
// CABAC mixes two rates; the slow one starts as a running mean so small tensors learn quickly).
// Integer-only, so encoder and decoder agree bit for bit on every platform.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dcz::entropy {

inline constexpr unsigned kRangeProbBits = 15;
inline constexpr std::uint32_t kRangeProbOne = 1u << kRangeProbBits;
inline constexpr unsigned kRangeFastShift = 4;
inline constexpr unsigned kRangeSlowShift = 7;
inline constexpr std::uint32_t kRangeTop = 1u << 24;  // renormalise below this range
inline constexpr std::size_t kRangeInitBytes = 4;     // bytes the decoder reads before bin 0

// One context: two estimates of P(bin = 0) in units of 2^-15. Both stay within 1 ... 2^15 - 1
// (a shift never moves an estimate onto 0 or 2^15), so no bin ever gets probability 0 or 1.
struct BitModel {
  std::uint16_t fast = kRangeProbOne / 2;
  std::uint16_t slow = kRangeProbOne / 2;
  std::uint8_t seen = 0;  // bins coded with this context, up to 63
  std::uint32_t p0() const { return (std::uint32_t(fast) + 3u * slow) >> 2; }
  void update(unsigned bin) {
    // The slow estimate starts as a running mean (shift 1, 2, 2, 3, ...) and settles at 1/128.
    const unsigned slow_shift = std::min(kRangeSlowShift, unsigned(std::bit_width(seen + 1u)));
    if (seen < 63) ++seen;
    if (bin) {
      fast = std::uint16_t(fast - (fast >> kRangeFastShift));
      slow = std::uint16_t(slow - (slow >> slow_shift));
    } else {
      fast = std::uint16_t(fast + ((kRangeProbOne - fast) >> kRangeFastShift));
      slow = std::uint16_t(slow + ((kRangeProbOne - slow) >> slow_shift));
    }
  }
};

// Appends the coded bytes of one chunk to `out`. The first byte LZMA would write is always 0 (the
// coded value is below 1) and is omitted; finish() writes the 4 bytes of `low`, so a chunk is
// exactly 4 bytes plus one byte per renormalisation shift — what the decoder reads.
class RangeEncoder {
 public:
  explicit RangeEncoder(std::vector<std::uint8_t>& out) : out_(out) {}
  void encode(BitModel& m, unsigned bin) {
    encode_with(m.p0(), bin);
    m.update(bin);
  }
  void encode_equiprobable(unsigned bin) { encode_with(kRangeProbOne / 2, bin); }
  void finish() {
    for (int i = 0; i < 5; ++i) shift_low();
  }

 private:
  void encode_with(std::uint32_t p0, unsigned bin) {
    const std::uint32_t bound = (range_ >> kRangeProbBits) * p0;
    if (bin == 0) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    while (range_ < kRangeTop) {
      range_ <<= 8;
      shift_low();
    }
  }
  void shift_low() {
    if (std::uint32_t(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      const std::uint8_t carry = std::uint8_t(low_ >> 32);
      std::uint8_t byte = cache_;
      do {
        emit(std::uint8_t(byte + carry));
        byte = 0xFF;
      } while (--pending_ != 0);
      cache_ = std::uint8_t(low_ >> 24);
    }
    ++pending_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }
  void emit(std::uint8_t b) {
    if (skip_first_) {
      skip_first_ = false;  // always 0: see the class comment
      return;
    }
    out_.push_back(b);
  }

  std::vector<std::uint8_t>& out_;
  std::uint64_t low_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint8_t cache_ = 0;
  std::uint64_t pending_ = 1;
  bool skip_first_ = true;
};

// Decodes one chunk from a bounded buffer. Reading past the end yields zero bytes and is
// remembered; clean_end() tells whether the chunk was consumed exactly and ended on the value the
// encoder flushed (code 0), which every stream of RangeEncoder does.
class RangeDecoder {
 public:
  RangeDecoder(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {
    for (std::size_t i = 0; i < kRangeInitBytes; ++i) code_ = (code_ << 8) | next();
  }
  unsigned decode(BitModel& m) {
    const unsigned bin = decode_with(m.p0());
    m.update(bin);
    return bin;
  }
  unsigned decode_equiprobable() { return decode_with(kRangeProbOne / 2); }
  bool overran() const { return pos_ > size_; }
  bool clean_end() const { return pos_ == size_ && code_ == 0; }
  std::size_t position() const { return pos_ < size_ ? pos_ : size_; }

 private:
  unsigned decode_with(std::uint32_t p0) {
    const std::uint32_t bound = (range_ >> kRangeProbBits) * p0;
    unsigned bin;
    if (code_ < bound) {
      range_ = bound;
      bin = 0;
    } else {
      code_ -= bound;
      range_ -= bound;
      bin = 1;
    }
    while (range_ < kRangeTop) {
      range_ <<= 8;
      code_ = (code_ << 8) | next();
    }
    return bin;
  }
  std::uint32_t next() {
    const std::uint32_t b = pos_ < size_ ? data_[pos_] : 0;
    ++pos_;
    return b;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::uint32_t code_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
};

}  // namespace dcz::entropy
