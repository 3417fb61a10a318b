#include "dcz/inspect.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "dcz/format.h"

namespace dcz {
namespace {

const char* role_name(StreamRole r) {
  switch (r) {
    case StreamRole::kDenseBytes: return "dense";
    case StreamRole::kCodebook: return "codebook";
    case StreamRole::kIndices: return "indices";
    case StreamRole::kPositions: return "positions";
    case StreamRole::kPositionExtra: return "position_extra";
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

}  // namespace

InspectReport inspect_container(const Container& c) {
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
    t.representation = e.representation == Representation::kDense ? "dense" : "sparse+codebook";
    t.elements = e.element_count();
    t.decoded_bytes = e.byte_size;
    t.table_bytes = entry_size(e);
    for (const StreamDescriptor& d : e.streams) {
      t.streams.push_back({role_name(d.role), coding_name(d.coding), d.param, d.size, d.decoded_size});
      t.stored_bytes += d.size;
    }
    const std::uint64_t cost = t.stored_bytes + t.table_bytes;
    t.ratio = cost ? double(t.decoded_bytes) / double(cost) : 0.0;
    r.streams_bytes += t.stored_bytes;
    r.decoded_tensor_bytes += t.decoded_bytes;
    r.tensors.push_back(std::move(t));
  }
  r.padding_bytes = r.file_size - r.header_bytes - r.graph_bytes - r.streams_bytes -
                    r.table_bytes - r.other_bytes;
  return r;
}

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
  }
  const std::uint64_t tensor_cost = r.streams_bytes + r.table_bytes;
  out += "\ntotal tensors: " + with_commas(r.decoded_tensor_bytes) + " bytes -> " +
         with_commas(tensor_cost) + " bytes (streams + table), " +
         fmt("%.2fx", tensor_cost ? double(r.decoded_tensor_bytes) / double(tensor_cost) : 0.0) + "\n";
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
