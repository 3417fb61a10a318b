// What a .dcz file holds and where its bytes went: the data behind `dcz-inspect`. Every byte of
// the file is accounted to exactly one row (header, graph, tensor streams, table, padding), so the
// rows add up to the file size.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/container.h"
#include "dcz/status.h"

namespace dcz {

struct StreamReport {
  std::string role;    // "dense", "codebook", "indices", "positions", "position_extra"
  std::string coding;  // "raw", "zstd", "shuffle+zstd", "fixed", "huffman", "zstd-symbols"
  std::uint16_t param = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t decoded_size = 0;
};

// The columns of the paper's Tables 2-5 (Han, Mao & Dally 2016) for a sparse + codebook tensor.
// "P+Q" is the paper's storage at the tensor's gap width b: fixed-width indices and gaps, filler
// entries for gaps over 2^b - 1, a 32-bit codebook. "P+Q+H" is what this file actually stores.
// Bits are per nonzero weight, as in the paper; rates are against 32-bit dense weights.
struct StageAccounting {
  std::uint64_t nonzeros = 0;
  std::uint64_t codebook_size = 0;
  unsigned gap_bits = 0;
  std::string position_scheme;        // "paper", "escape", "bitmap"; "levels", "levels1" (rep 2, context set 0, 1)
  double kept_percent = 0;            // P: nonzeros / weights
  double weight_bits_pq = 0;          // paper: index width, fillers included
  double weight_bits_pqh = 0;         // actual index stream bits / nonzeros
  double index_bits_pq = 0;           // paper: b per entry, fillers included
  double index_bits_pqh = 0;          // actual position streams bits / nonzeros
  double index_entropy_bits = 0;      // order-0 entropy of the indices, per nonzero
  double gap_entropy_bits = 0;        // order-0 entropy of the paper gap symbols, per nonzero
  std::uint64_t codebook_bytes = 0;   // as stored
  std::uint64_t pq_bits = 0;          // total paper P+Q bits incl. the codebook at its dtype width
  double rate_pq = 0;                 // pq_bits / (32 x weights)
  double rate_pqh = 0;                // 8 x (streams + table entry) / (32 x weights)
};

struct TensorReport {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> dims;
  std::string representation;  // "dense", "sparse+codebook" or "levels"
  std::uint64_t elements = 0;
  std::uint64_t decoded_bytes = 0;  // the tensor in its own dtype
  std::uint64_t stored_bytes = 0;   // its streams in DATA (padding not included)
  std::uint64_t table_bytes = 0;    // its entry in TENS
  double ratio = 0;                 // decoded_bytes / (stored_bytes + table_bytes)
  std::vector<StreamReport> streams;
  bool has_stages = false;  // sparse + codebook or levels: `stages` is filled
  StageAccounting stages;
};

struct InspectReport {
  std::string source_name;
  std::uint64_t file_size = 0;
  std::uint32_t version_major = 0, version_minor = 0, alignment = 0;
  // Byte accounting; these add up to file_size.
  std::uint64_t header_bytes = 0;    // file header + section headers
  std::uint64_t graph_bytes = 0;     // GRPH payload
  std::uint64_t streams_bytes = 0;   // sum of all tensors' streams
  std::uint64_t table_bytes = 0;     // TENS payload
  std::uint64_t padding_bytes = 0;   // alignment padding everywhere
  std::uint64_t other_bytes = 0;     // payloads of optional sections this reader does not know
  std::uint64_t skeleton_bytes = 0;  // GRPH after decompression
  std::uint64_t decoded_tensor_bytes = 0;
  // Float tensors (any float dtype) counted as dense float32, the paper's reference.
  std::uint64_t float32_reference_bytes = 0;
  // Size of the original model file when given (dcz-inspect --original), else 0.
  std::uint64_t original_bytes = 0;
  std::vector<TensorReport> tensors;
};

// Builds the report of a verified container. Fails only when a sparse tensor's streams are
// malformed (its accounting decodes them).
Result<InspectReport> inspect_container(const Container& container);

// A table for humans (one row per tensor, then totals and the byte accounting).
std::string format_inspect_table(const InspectReport& report);
// The same content as JSON.
std::string format_inspect_json(const InspectReport& report);
// `--annotate`: one line per field: offset | size | type | value | meaning, problems marked.
std::string format_annotation(const std::vector<AnnotationRow>& rows);

}  // namespace dcz
