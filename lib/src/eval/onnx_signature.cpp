#include "eval/onnx_signature.h"

#include <algorithm>
#include <set>

namespace dcz::eval {

namespace {

// One protobuf field: number, wire type, and its varint value or length-delimited bytes.
struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire_type = 0;
  std::uint64_t varint = 0;
  std::span<const std::uint8_t> bytes;
};

// A bounded cursor over one message's bytes.
class WireReader {
 public:
  WireReader(std::span<const std::uint8_t> bytes, std::uint64_t base) : bytes_(bytes), base_(base) {}
  bool done() const { return pos_ == bytes_.size(); }
  std::uint64_t offset() const { return base_ + pos_; }

  // False on a malformed field (truncated varint or length, group wire types).
  bool next(Field& field, std::uint64_t& field_offset) {
    field_offset = offset();
    std::uint64_t key;
    if (!varint(key)) return false;
    field.number = static_cast<std::uint32_t>(key >> 3);
    field.wire_type = static_cast<std::uint32_t>(key & 7);
    switch (field.wire_type) {
      case 0: return varint(field.varint);
      case 1: return skip(8);
      case 5: return skip(4);
      case 2: {
        std::uint64_t len;
        if (!varint(len) || len > bytes_.size() - pos_) return false;
        field.bytes = bytes_.subspan(pos_, len);
        field.varint = offset();  // where the payload starts, for nested readers
        pos_ += len;
        return true;
      }
      default: return false;
    }
  }

 private:
  bool varint(std::uint64_t& v) {
    v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ == bytes_.size()) return false;
      std::uint8_t b = bytes_[pos_++];
      v |= std::uint64_t{static_cast<std::uint8_t>(b & 0x7f)} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool skip(std::size_t n) {
    if (n > bytes_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::uint64_t base_;
};

Status wire_error(std::string_view name, std::string_view message_name, std::uint64_t offset) {
  return make_error(ErrorCode::kBadOnnx, std::string(name) + ": malformed protobuf in " +
                                             std::string(message_name) + " at byte " + std::to_string(offset));
}

// Calls `visit(field)` for every field of a message; stops at the first error.
template <class Visit>
Status for_each_field(const Field& message, std::string_view name, std::string_view message_name,
                      Visit&& visit) {
  WireReader reader(message.bytes, message.varint);
  while (!reader.done()) {
    Field f;
    std::uint64_t at;
    if (!reader.next(f, at)) return wire_error(name, message_name, at);
    DCZ_TRY(visit(f));
  }
  return Status::ok();
}

std::string as_string(const Field& f) { return {f.bytes.begin(), f.bytes.end()}; }

// TensorShapeProto.dim (1) → Dimension.dim_value (1) or dim_param (2): -1 when symbolic.
Status read_shape(const Field& shape, std::string_view name, std::vector<std::int64_t>& dims) {
  return for_each_field(shape, name, "TensorShapeProto", [&](const Field& f) -> Status {
    if (f.number != 1 || f.wire_type != 2) return Status::ok();
    std::int64_t value = -1;
    DCZ_TRY(for_each_field(f, name, "TensorShapeProto.Dimension", [&](const Field& d) -> Status {
      if (d.number == 1 && d.wire_type == 0) value = static_cast<std::int64_t>(d.varint);
      return Status::ok();
    }));
    dims.push_back(value > 0 ? value : -1);
    return Status::ok();
  });
}

// ValueInfoProto: name (1), type (2) → TypeProto.tensor_type (1) → elem_type (1), shape (2).
Status read_value_info(const Field& info, std::string_view name, ModelTensor& out) {
  out.elem_type = 0;
  return for_each_field(info, name, "ValueInfoProto", [&](const Field& f) -> Status {
    if (f.number == 1 && f.wire_type == 2) out.name = as_string(f);
    if (f.number != 2 || f.wire_type != 2) return Status::ok();
    return for_each_field(f, name, "TypeProto", [&](const Field& t) -> Status {
      if (t.number != 1 || t.wire_type != 2) return Status::ok();
      out.has_shape = false;
      return for_each_field(t, name, "TypeProto.Tensor", [&](const Field& e) -> Status {
        if (e.number == 1 && e.wire_type == 0) out.elem_type = static_cast<std::int32_t>(e.varint);
        if (e.number == 2 && e.wire_type == 2) {
          out.has_shape = true;
          return read_shape(e, name, out.dims);
        }
        return Status::ok();
      });
    });
  });
}

// TensorProto.name is field 8.
Status read_tensor_name(const Field& tensor, std::string_view name, std::set<std::string>& names) {
  return for_each_field(tensor, name, "TensorProto", [&](const Field& f) -> Status {
    if (f.number == 8 && f.wire_type == 2) names.insert(as_string(f));
    return Status::ok();
  });
}

}  // namespace

Result<ModelSignature> read_model_signature(std::span<const std::uint8_t> onnx, std::string_view name) {
  Field model;
  model.bytes = onnx;
  model.varint = 0;
  Field graph;
  bool has_graph = false;
  DCZ_TRY(for_each_field(model, name, "ModelProto", [&](const Field& f) -> Status {
    if (f.number == 7 && f.wire_type == 2) {
      graph = f;
      has_graph = true;
    }
    return Status::ok();
  }));
  if (!has_graph) return make_error(ErrorCode::kBadOnnx, std::string(name) + ": ModelProto has no graph");

  std::vector<ModelTensor> inputs, outputs;
  std::set<std::string> initializers;
  Status graph_status = for_each_field(graph, name, "GraphProto", [&](const Field& f) -> Status {
    if (f.wire_type != 2) return Status::ok();
    if (f.number == 5) return read_tensor_name(f, name, initializers);
    if (f.number == 15) {  // SparseTensorProto.values (1) carries the name
      return for_each_field(f, name, "SparseTensorProto", [&](const Field& s) -> Status {
        return s.number == 1 && s.wire_type == 2 ? read_tensor_name(s, name, initializers) : Status::ok();
      });
    }
    if (f.number == 11 || f.number == 12) {
      ModelTensor t;
      DCZ_TRY(read_value_info(f, name, t));
      (f.number == 11 ? inputs : outputs).push_back(std::move(t));
    }
    return Status::ok();
  });
  DCZ_TRY(std::move(graph_status));

  std::erase_if(inputs, [&](const ModelTensor& t) { return initializers.count(t.name) != 0; });
  if (inputs.size() != 1) {
    return make_error(ErrorCode::kUnsupported,
                      std::string(name) + ": the graph has " + std::to_string(inputs.size()) +
                          " runtime inputs; dcz-eval feeds exactly one (the images)");
  }
  if (outputs.empty()) return make_error(ErrorCode::kBadOnnx, std::string(name) + ": the graph has no output");
  return ModelSignature{std::move(inputs[0]), std::move(outputs[0])};
}

}  // namespace dcz::eval
