#include "entropy/symbol_stream.h"

#include <cassert>
#include <optional>
#include <string>

#include "entropy/fixed_bits.h"
#include "entropy/huffman.h"
#include "entropy/stream_error.h"
#include "entropy/zstd_symbols.h"

namespace dcz::entropy {

namespace {

Result<EncodedStream> encode_with(StreamRole role, std::span<const std::uint16_t> symbols,
                                  std::uint32_t alphabet_size, StreamCoding coding,
                                  const SymbolStreamEncoding& encoding) {
  EncodedStream s;
  s.role = role;
  s.coding = coding;
  s.decoded_size = symbols.size();
  switch (coding) {
    case StreamCoding::kFixedBits:
      s.param = std::uint16_t(encoding.fixed_bits);
      if (!symbols.empty()) s.bytes = fixed_bits_encode(symbols, encoding.fixed_bits);
      break;
    case StreamCoding::kHuffman: {
      DCZ_ASSIGN_OR_RETURN(s.bytes, huffman_encode(symbols, alphabet_size));
      break;
    }
    case StreamCoding::kZstdSymbols: {
      const unsigned width = zstd_symbol_width(alphabet_size);
      s.param = std::uint16_t(width);
      if (!symbols.empty()) {
        DCZ_ASSIGN_OR_RETURN(s.bytes, zstd_symbols_encode(symbols, width, encoding.zstd_level));
      }
      break;
    }
    default:
      assert(false && "not a symbol coding");
  }
  return s;
}

}  // namespace

Result<EncodedStream> encode_symbol_stream(StreamRole role, std::span<const std::uint16_t> symbols,
                                           std::uint32_t alphabet_size,
                                           const SymbolStreamEncoding& encoding) {
  assert(!encoding.candidates.empty());
  std::optional<EncodedStream> best;
  for (StreamCoding coding : encoding.candidates) {
    DCZ_ASSIGN_OR_RETURN(EncodedStream s,
                         encode_with(role, symbols, alphabet_size, coding, encoding));
    if (!best || s.bytes.size() < best->bytes.size()) best = std::move(s);
  }
  return std::move(*best);
}

Status decode_symbol_stream(const StreamView& stream, std::uint32_t alphabet_size,
                            std::span<std::uint16_t> out) {
  const bool symbol_coding = stream.coding == StreamCoding::kFixedBits ||
                             stream.coding == StreamCoding::kHuffman ||
                             stream.coding == StreamCoding::kZstdSymbols;
  if (!symbol_coding) {
    return stream_error(ErrorCode::kBadTensorEntry, stream, 0,
                        "coding " + std::to_string(int(stream.coding)) +
                            " is not a symbol coding (3 fixed bits, 4 Huffman, 5 zstd symbols)");
  }
  if (stream.coding == StreamCoding::kHuffman && stream.param != 0) {
    return stream_error(ErrorCode::kReservedBitSet, stream, 0,
                        "Huffman stream param " + std::to_string(stream.param) +
                            " is reserved and must be 0");
  }
  if (out.empty()) {
    if (!stream.bytes.empty()) {
      return stream_error(ErrorCode::kStreamTrailingData, stream, 0,
                          "a stream of 0 symbols must be empty, it has " +
                              std::to_string(stream.bytes.size()) + " bytes");
    }
    return Status::ok();
  }
  switch (stream.coding) {
    case StreamCoding::kFixedBits: return fixed_bits_decode(stream, alphabet_size, out);
    case StreamCoding::kHuffman: return huffman_decode(stream, alphabet_size, out);
    default: return zstd_symbols_decode(stream, alphabet_size, out);
  }
}

}  // namespace dcz::entropy
