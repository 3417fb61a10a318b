#include "dcz/inspect.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "dcz/format.h"
#include "entropy/levels.h"
#include "entropy/levels_params.h"
#include "entropy/sparse_codebook.h"

namespace dcz {
namespace {

const char* role_name(StreamRole r) {
  switch (r) {
    case StreamRole::kDenseBytes: return "dense";
    case StreamRole::kCodebook: return "codebook";
    case StreamRole::kIndices: return "indices";
    case StreamRole::kPositions: return "positions";
    case StreamRole::kPositionExtra: return "position_extra";
    case StreamRole::kLevels: return "levels";
  }
  return "?";
}

const char* coding_name(StreamCoding c) {
  switch (c) {
    case StreamCoding::kRaw: return "raw";
    case StreamCoding::kZstd: return "zstd";
    case StreamCoding::kShuffleZstd: return "shuffle+zstd";
    case StreamCoding::kFixedBits: return "fixed";
    case StreamCoding::kHuffman: return "huffman";
    case StreamCoding::kZstdSymbols: return "zstd-symbols";
    case StreamCoding::kAdaptiveBinary: return "adaptive";
  }
  return "?";
}

const char* representation_name(Representation r) {
  switch (r) {
    case Representation::kDense: return "dense";
    case Representation::kSparseCodebook: return "sparse+codebook";
    case Representation::kLevels: return "levels";
  }
  return "?";
}

std::uint64_t entry_size(const TensorEntry& e) {
  return format::kTensorEntryFixedSize + 8 * e.dims.size() + e.name.size() + e.params.size() +
         format::kStreamDescriptorSize * e.streams.size();
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s.empty() ? "scalar" : s;
}

std::string with_commas(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

const char* scheme_name(std::uint8_t s) {
  switch (s) {
    case 0: return "paper";
    case 1: return "escape";
    case 2: return "bitmap";
    case entropy::kLevelsSchemeId: return "levels";
    case entropy::kLevelsColumnsSchemeId: return "levels1";  // context set 1 (SPEC 6.10.6)
  }
  return "?";
}

double per(double bits, std::uint64_t n) { return n ? bits / double(n) : 0.0; }

Result<StageAccounting> stage_accounting(const Container& c, std::size_t i, std::uint64_t table_bytes) {
  const TensorEntry& e = c.tensors[i];
  DCZ_ASSIGN_OR_RETURN(SparseAccounting a,
                       e.representation == Representation::kLevels
                           ? account_levels(c.view(i), e.dtype, e.dims)
                           : account_sparse_codebook(c.view(i), e.dtype, e.element_count()));
  StageAccounting s;
  s.nonzeros = a.nonzeros;
  s.codebook_size = a.codebook_size;
  s.gap_bits = a.gap_bits;
  s.position_scheme = scheme_name(a.position_scheme);
  s.kept_percent = a.weights ? 100.0 * double(a.nonzeros) / double(a.weights) : 0.0;
  s.weight_bits_pq = per(double(a.paper_weight_bits), a.nonzeros);
  s.weight_bits_pqh = per(8.0 * double(a.stored_index_bytes), a.nonzeros);
  s.index_bits_pq = per(double(a.paper_index_bits), a.nonzeros);
  s.index_bits_pqh = per(8.0 * double(a.stored_position_bytes + a.stored_extra_bytes), a.nonzeros);
  s.index_entropy_bits = per(a.index_entropy_bits, a.nonzeros);
  s.gap_entropy_bits = per(a.paper_gap_entropy_bits, a.nonzeros);
  s.codebook_bytes = a.stored_codebook_bytes;
  s.pq_bits = a.paper_weight_bits + a.paper_index_bits + 8 * a.codebook_bytes;  // codebook at its dtype width
  const double dense_bits = 32.0 * double(a.weights);
  std::uint64_t stored = table_bytes;
  for (const StreamDescriptor& d : e.streams) stored += d.size;
  s.rate_pq = dense_bits > 0 ? double(s.pq_bits) / dense_bits : 0.0;
  s.rate_pqh = dense_bits > 0 ? 8.0 * double(stored) / dense_bits : 0.0;
  return s;
}

}  // namespace

Result<InspectReport> inspect_container(const Container& c) {
  InspectReport r;
  r.source_name = c.source_name;
  r.file_size = c.header.file_size;
  r.version_major = c.header.version_major;
  r.version_minor = c.header.version_minor;
  r.alignment = 1u << c.header.alignment_log2;
  r.header_bytes = format::kFileHeaderSize + format::kSectionHeaderSize * c.sections.size();
  r.skeleton_bytes = c.skeleton.size();
  for (const SectionInfo& s : c.sections) {
    if (s.type == format::kSectionGraph) r.graph_bytes = s.payload_size;
    else if (s.type == format::kSectionTensorTable) r.table_bytes = s.payload_size;
    else if (s.type != format::kSectionTensorData) r.other_bytes += s.payload_size;
  }
  for (const TensorEntry& e : c.tensors) {
    TensorReport t;
    t.name = e.name;
    t.dtype = std::string(dtype_name(e.dtype));
    t.dims = e.dims;
    t.representation = representation_name(e.representation);
    t.elements = e.element_count();
    t.decoded_bytes = e.byte_size;
    t.table_bytes = entry_size(e);
    for (const StreamDescriptor& d : e.streams) {
      t.streams.push_back({role_name(d.role), coding_name(d.coding), d.param, d.size, d.decoded_size});
      t.stored_bytes += d.size;
    }
    const std::uint64_t cost = t.stored_bytes + t.table_bytes;
    t.ratio = cost ? double(t.decoded_bytes) / double(cost) : 0.0;
    if (e.representation != Representation::kDense) {
      Result<StageAccounting> st = stage_accounting(c, r.tensors.size(), t.table_bytes);
      if (!st.is_ok()) return std::move(st).take_status().with_context(c.source_name + ": tensor '" + e.name + "'");
      t.has_stages = true;
      t.stages = std::move(st).value();
    }
    if (dtype_is_float(e.dtype)) r.float32_reference_bytes += 4 * t.elements;
    r.streams_bytes += t.stored_bytes;
    r.decoded_tensor_bytes += t.decoded_bytes;
    r.tensors.push_back(std::move(t));
  }
  r.padding_bytes = r.file_size - r.header_bytes - r.graph_bytes - r.streams_bytes -
                    r.table_bytes - r.other_bytes;
  return r;
}

namespace {

std::string stage_table(const InspectReport& r) {
  std::string out;
  char line[512];
  out += "\nPer-stage accounting of the sparse + codebook tensors (Han et al. 2016, Tables 2-5;\n"
         "bits per nonzero weight; P+Q = the paper's fixed-width storage at gap width b,\n"
         "P+Q+H = this file; rate = size vs 32-bit dense weights; H0 = order-0 entropy;\n"
         "scheme levels: one adaptive stream, its significance bins counted as i, the rest as w;\n"
         "levels1: the same with column-activity contexts):\n\n";
  std::snprintf(line, sizeof line,
                "%-28s %10s %7s %5s %7s %7s %7s %7s %7s %7s %9s %7s %7s %8s\n",
                "tensor", "weights", "P kept", "K", "w P+Q", "w P+Q+H", "H0 idx", "i P+Q", "i P+Q+H",
                "H0 gap", "codebook", "P+Q", "P+Q+H", "scheme");
  out += line;
  std::uint64_t weights = 0, nonzeros = 0, pq_bits = 0, pqh_bytes = 0;
  for (const TensorReport& t : r.tensors) {
    if (!t.has_stages) continue;
    const StageAccounting& s = t.stages;
    std::string name = t.name.size() > 28 ? "..." + t.name.substr(t.name.size() - 25) : t.name;
    std::snprintf(line, sizeof line,
                  "%-28s %10s %6.2f%% %5llu %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %9llu %6.2f%% %6.2f%% %5s/%u\n",
                  name.c_str(), with_commas(t.elements).c_str(), s.kept_percent,
                  static_cast<unsigned long long>(s.codebook_size), s.weight_bits_pq, s.weight_bits_pqh,
                  s.index_entropy_bits, s.index_bits_pq, s.index_bits_pqh, s.gap_entropy_bits,
                  static_cast<unsigned long long>(s.codebook_bytes), 100.0 * s.rate_pq,
                  100.0 * s.rate_pqh, s.position_scheme.c_str(), s.gap_bits);
    out += line;
    weights += t.elements;
    nonzeros += s.nonzeros;
    pq_bits += s.pq_bits;
    pqh_bytes += t.stored_bytes + t.table_bytes;
  }
  const double dense = 32.0 * double(weights);
  std::snprintf(line, sizeof line,
                "total: %s weights, %.2f%% kept; P+Q %.2f%% of dense (%.1fx), P+Q+H %.2f%% (%.1fx)\n",
                with_commas(weights).c_str(), weights ? 100.0 * double(nonzeros) / double(weights) : 0.0,
                dense > 0 ? 100.0 * double(pq_bits) / dense : 0.0, pq_bits ? dense / double(pq_bits) : 0.0,
                dense > 0 ? 800.0 * double(pqh_bytes) / dense : 0.0,
                pqh_bytes ? dense / (8.0 * double(pqh_bytes)) : 0.0);
  out += line;
  return out;
}

}  // namespace

std::string format_inspect_table(const InspectReport& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%s: dcz format %u.%u, %s bytes, %zu tensors, alignment %u\n\n",
                r.source_name.c_str(), r.version_major, r.version_minor,
                with_commas(r.file_size).c_str(), r.tensors.size(), r.alignment);
  out += line;
  std::snprintf(line, sizeof line, "%-40s %-9s %-18s %-16s %14s %12s %8s  %s\n", "tensor", "dtype",
                "shape", "representation", "bytes", "stored", "ratio", "streams");
  out += line;
  bool any_sparse = false;
  for (const TensorReport& t : r.tensors) {
    std::string streams;
    for (const StreamReport& s : t.streams) {
      streams += (streams.empty() ? "" : " ") + s.role + ":" + s.coding;
    }
    std::string name = t.name.size() > 40 ? "..." + t.name.substr(t.name.size() - 37) : t.name;
    std::snprintf(line, sizeof line, "%-40s %-9s %-18s %-16s %14s %12s %7.2fx  %s\n", name.c_str(),
                  t.dtype.c_str(), dims_text(t.dims).c_str(), t.representation.c_str(),
                  with_commas(t.decoded_bytes).c_str(),
                  with_commas(t.stored_bytes + t.table_bytes).c_str(), t.ratio, streams.c_str());
    out += line;
    any_sparse |= t.has_stages;
  }
  const std::uint64_t tensor_cost = r.streams_bytes + r.table_bytes;
  out += "\ntotal tensors: " + with_commas(r.decoded_tensor_bytes) + " bytes -> " +
         with_commas(tensor_cost) + " bytes (streams + table), " +
         fmt("%.2fx", tensor_cost ? double(r.decoded_tensor_bytes) / double(tensor_cost) : 0.0) + "\n";
  if (r.float32_reference_bytes) {
    out += "float weights as dense float32: " + with_commas(r.float32_reference_bytes) +
           " bytes; whole file " + fmt("%.2fx", double(r.float32_reference_bytes) / double(r.file_size)) +
           " smaller\n";
  }
  if (r.original_bytes) {
    out += "original model file: " + with_commas(r.original_bytes) + " bytes; this file " +
           fmt("%.2fx", double(r.original_bytes) / double(r.file_size)) + " smaller\n";
  }
  if (any_sparse) out += stage_table(r);
  out += "\nbytes of the file:\n";
  auto row = [&](const char* what, std::uint64_t v) {
    std::snprintf(line, sizeof line, "  %-34s %14s  %6.2f%%\n", what, with_commas(v).c_str(),
                  r.file_size ? 100.0 * double(v) / double(r.file_size) : 0.0);
    out += line;
  };
  row("file and section headers", r.header_bytes);
  row(("graph (GRPH, " + with_commas(r.skeleton_bytes) + " bytes decoded)").c_str(), r.graph_bytes);
  row("tensor streams (DATA)", r.streams_bytes);
  row("tensor table (TENS)", r.table_bytes);
  row("alignment padding", r.padding_bytes);
  if (r.other_bytes) row("optional sections", r.other_bytes);
  row("total", r.file_size);
  return out;
}

std::string format_inspect_json(const InspectReport& r) {
  nlohmann::ordered_json j;
  j["file"] = r.source_name;
  j["format_version"] = std::to_string(r.version_major) + "." + std::to_string(r.version_minor);
  j["file_bytes"] = r.file_size;
  j["alignment"] = r.alignment;
  j["bytes"] = {{"headers", r.header_bytes},   {"graph", r.graph_bytes},
                {"streams", r.streams_bytes},  {"table", r.table_bytes},
                {"padding", r.padding_bytes},  {"optional_sections", r.other_bytes}};
  j["skeleton_bytes"] = r.skeleton_bytes;
  j["decoded_tensor_bytes"] = r.decoded_tensor_bytes;
  j["float32_reference_bytes"] = r.float32_reference_bytes;
  if (r.original_bytes) j["original_bytes"] = r.original_bytes;
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const TensorReport& t : r.tensors) {
    nlohmann::ordered_json jt;
    jt["name"] = t.name;
    jt["dtype"] = t.dtype;
    jt["dims"] = t.dims;
    jt["representation"] = t.representation;
    jt["elements"] = t.elements;
    jt["decoded_bytes"] = t.decoded_bytes;
    jt["stored_bytes"] = t.stored_bytes;
    jt["table_bytes"] = t.table_bytes;
    jt["ratio"] = t.ratio;
    nlohmann::ordered_json streams = nlohmann::ordered_json::array();
    for (const StreamReport& s : t.streams) {
      streams.push_back({{"role", s.role}, {"coding", s.coding}, {"param", s.param},
                         {"stored_bytes", s.stored_bytes}, {"decoded_size", s.decoded_size}});
    }
    jt["streams"] = std::move(streams);
    if (t.has_stages) {
      const StageAccounting& s = t.stages;
      jt["stages"] = {{"nonzeros", s.nonzeros},
                      {"kept_percent", s.kept_percent},
                      {"codebook_size", s.codebook_size},
                      {"gap_bits", s.gap_bits},
                      {"position_scheme", s.position_scheme},
                      {"weight_bits_pq", s.weight_bits_pq},
                      {"weight_bits_pqh", s.weight_bits_pqh},
                      {"index_bits_pq", s.index_bits_pq},
                      {"index_bits_pqh", s.index_bits_pqh},
                      {"index_entropy_bits", s.index_entropy_bits},
                      {"gap_entropy_bits", s.gap_entropy_bits},
                      {"codebook_bytes", s.codebook_bytes},
                      {"pq_bits", s.pq_bits},
                      {"rate_pq", s.rate_pq},
                      {"rate_pqh", s.rate_pqh}};
    }
    tensors.push_back(std::move(jt));
  }
  j["tensors"] = std::move(tensors);
  return j.dump(2) + "\n";
}

std::string format_annotation(const std::vector<AnnotationRow>& rows) {
  std::string out;
  char line[1024];
  std::snprintf(line, sizeof line, "%10s | %10s | %-8s | %-28s | %s\n", "offset", "size", "type",
                "value", "meaning");
  out += line;
  for (const AnnotationRow& a : rows) {
    std::string value = a.value.size() > 28 ? a.value.substr(0, 25) + "..." : a.value;
    std::snprintf(line, sizeof line, "%10llu | %10llu | %-8s | %-28s | %s%s%s\n",
                  static_cast<unsigned long long>(a.offset), static_cast<unsigned long long>(a.size),
                  a.type.c_str(), value.c_str(), a.meaning.c_str(), a.problem.empty() ? "" : "  <-- ",
                  a.problem.c_str());
    out += line;
  }
  return out;
}

}  // namespace dcz
