// .dcz -> OnnxModel: parse and verify the container, rebuild the skeleton, then decode every
// tensor straight into the model's own storage, in parallel (tensors are independent).
#include <atomic>
#include <thread>
#include <vector>

#include "dcz/codec.h"
#include "dcz/container.h"

namespace dcz {
namespace {

Status check_entry_matches(const Container& c, const OnnxModel& model, std::size_t i) {
  const TensorEntry& e = c.tensors[i];
  const TensorInfo& t = model.tensor(i);
  if (e.dtype != t.dtype || e.dims != t.dims) {
    return make_error(ErrorCode::kBadTensorEntry,
                      c.source_name + ": tensor entry " + std::to_string(i) + " ('" + e.name +
                          "') has dtype or dims different from skeleton tensor '" + t.name + "'");
  }
  return Status::ok();
}

}  // namespace

Result<OnnxModel> decode_model(std::span<const std::uint8_t> file, std::string_view source_name) {
  DCZ_ASSIGN_OR_RETURN(Container c, read_container(file, source_name));
  Result<OnnxModel> parsed = OnnxModel::parse_skeleton(c.skeleton, source_name);
  if (!parsed.is_ok()) return std::move(parsed).take_status();
  OnnxModel model = std::move(parsed).value();
  if (model.tensor_count() != c.tensors.size()) {
    return make_error(ErrorCode::kBadTensorEntry,
                      c.source_name + ": the tensor table lists " + std::to_string(c.tensors.size()) +
                          " tensors but the skeleton has " + std::to_string(model.tensor_count()));
  }
  const std::size_t n = c.tensors.size();
  for (std::size_t i = 0; i < n; ++i) {
    DCZ_TRY(check_entry_matches(c, model, i));
    model.set_typed_storage(i, (c.tensors[i].flags & 1) != 0);
  }
  // Each worker allocates a tensor (zero-filled) and decodes into it, so the one pass that
  // clears the memory is spread over the threads and sparse tensors write only their nonzeros.
  std::vector<std::vector<std::uint8_t>> strings(n);  // string tensors decode aside, then parse
  std::vector<Status> status(n);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      const TensorEntry& e = c.tensors[i];
      if (e.dtype == DType::kString) {
        strings[i].resize(e.byte_size);
        status[i] = decode_tensor(c, i, strings[i]);
        continue;
      }
      Result<std::span<std::uint8_t>> out = model.allocate_tensor(i, e.byte_size);
      status[i] = out.is_ok() ? decode_tensor(c, i, *out, /*out_is_zeroed=*/true) : out.status();
    }
  };
  // Threads pay off only when there is real work: starting one costs about as much as decoding
  // a small model.
  std::uint64_t total = 0;
  for (const TensorEntry& e : c.tensors) total += e.byte_size;
  const unsigned threads =
      total < (4u << 20) ? 1u
                         : std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                           static_cast<unsigned>(n)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (std::size_t i = 0; i < n; ++i) {
    DCZ_TRY(std::move(status[i]));  // the first error in tensor order, whatever the scheduling
    if (c.tensors[i].dtype == DType::kString) DCZ_TRY(model.set_tensor_bytes(i, strings[i]));
  }
  return model;
}

}  // namespace dcz
