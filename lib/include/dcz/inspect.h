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

struct TensorReport {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> dims;
  std::string representation;  // "dense" or "sparse+codebook"
  std::uint64_t elements = 0;
  std::uint64_t decoded_bytes = 0;  // the tensor in its own dtype
  std::uint64_t stored_bytes = 0;   // its streams in DATA (padding not included)
  std::uint64_t table_bytes = 0;    // its entry in TENS
  double ratio = 0;                 // decoded_bytes / (stored_bytes + table_bytes)
  std::vector<StreamReport> streams;
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
  std::vector<TensorReport> tensors;
};

// Builds the report of a verified container.
InspectReport inspect_container(const Container& container);

// A table for humans (one row per tensor, then totals and the byte accounting).
std::string format_inspect_table(const InspectReport& report);
// The same content as JSON.
std::string format_inspect_json(const InspectReport& report);
// `--annotate`: one line per field: offset | size | type | value | meaning, problems marked.
std::string format_annotation(const std::vector<AnnotationRow>& rows);

}  // namespace dcz
