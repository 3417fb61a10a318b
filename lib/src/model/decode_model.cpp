// .dcz -> OnnxModel: parse and verify the container, then rebuild the skeleton and decode every
// tensor at the same time: the skeleton parse and the tensor decoding are independent, so with two
// threads one parses the graph while the other decodes, and both then share the remaining tensors.
// Each tensor is decoded into its own buffer, which then moves into the model without a copy.
#include <algorithm>
#include <atomic>
#include <new>
#include <numeric>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "dcz/codec.h"
#include "dcz/container.h"
#include "model/tensor_storage.h"
#include "onnx/onnx_model_impl.h"

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

Status check_skeleton(const Container& c, const OnnxModel& model) {
  if (model.tensor_count() != c.tensors.size()) {
    return make_error(ErrorCode::kBadTensorEntry,
                      c.source_name + ": the tensor table lists " + std::to_string(c.tensors.size()) +
                          " tensors but the skeleton has " + std::to_string(model.tensor_count()));
  }
  for (std::size_t i = 0; i < c.tensors.size(); ++i) DCZ_TRY(check_entry_matches(c, model, i));
  return Status::ok();
}

// Decodes tensor i into a fresh buffer of byte_size bytes. The buffer is a std::string because
// that is what a TensorProto's raw_data is: it moves into the model as it is. It is not cleared
// first: the decoders write every byte, sparse ones clearing just ahead of their values.
Status decode_into(const Container& c, std::size_t i, std::string& out) {
  const TensorEntry& e = c.tensors[i];
  try {
    model_internal::resize_for_overwrite(out, static_cast<std::size_t>(e.byte_size));
  } catch (const std::exception&) {  // bad_alloc, or length_error for absurd sizes
    return make_error(ErrorCode::kOutOfMemory, c.source_name + ": tensor '" + e.name +
                                                   "': cannot allocate " +
                                                   std::to_string(e.byte_size) + " bytes");
  }
  std::span<std::uint8_t> bytes(reinterpret_cast<std::uint8_t*>(out.data()), out.size());
  return decode_tensor(c, i, bytes, /*out_is_zeroed=*/false);
}

// Rough cost of the work, in bytes of output written: decoding writes every byte of every tensor
// and parsing the skeleton costs about as much per skeleton byte as writing 16 output bytes
// (measured on ResNet-20/56 and LeNet). Helper threads start only from kThreadWork on: starting
// one costs ~20 us, and on a busy machine a helper that holds a task while descheduled delays
// the whole decode by a time slice (measured: ResNet-56 took 3x longer with a helper at load 6
// on 2 cores), which only a long decode amortises.
constexpr std::uint64_t kSkeletonByteWeight = 16;
constexpr std::uint64_t kThreadWork = std::uint64_t{4} << 20;

struct Plan {
  std::vector<std::size_t> order;  // tensors, largest first, so the last ones to start are small
  unsigned threads = 1;
};

Plan plan_work(const Container& c) {
  Plan p;
  p.order.resize(c.tensors.size());
  std::iota(p.order.begin(), p.order.end(), std::size_t{0});
  std::stable_sort(p.order.begin(), p.order.end(), [&](std::size_t a, std::size_t b) {
    return c.tensors[a].byte_size > c.tensors[b].byte_size;
  });
  std::uint64_t work = c.skeleton.size() * kSkeletonByteWeight;
  for (const TensorEntry& e : c.tensors) work += std::min<std::uint64_t>(e.byte_size, kThreadWork);
  if (work >= kThreadWork) {
    p.threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                static_cast<unsigned>(c.tensors.size() + 1)));
  }
  return p;
}

}  // namespace

Result<OnnxModel> decode_model(std::span<const std::uint8_t> file, std::string_view source_name) {
  DCZ_ASSIGN_OR_RETURN(Container c, read_container(file, source_name));
  const std::size_t n = c.tensors.size();
  const Plan plan = plan_work(c);

  // Task 0 parses the skeleton, task k > 0 decodes tensor order[k - 1]. All threads take tasks
  // from the same counter and this one starts at once, so a helper that the scheduler starts late
  // delays nothing: it only finds fewer tasks left.
  std::vector<std::string> buffers(n);
  std::vector<Status> status(n);
  Result<OnnxModel> parsed = make_error(ErrorCode::kInvalidArgument, "skeleton not parsed");
  std::atomic<std::size_t> next{0};
  auto run_tasks = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) <= n;) {
      if (k == 0) {
        parsed = OnnxModel::parse_skeleton(c.skeleton, source_name);
      } else {
        const std::size_t i = plan.order[k - 1];
        status[i] = decode_into(c, i, buffers[i]);
      }
    }
  };
  std::vector<std::thread> helpers;
  try {
    for (unsigned t = 1; t < plan.threads; ++t) helpers.emplace_back(run_tasks);
  } catch (const std::system_error&) {  // no more threads to be had: fewer do every task
  }
  run_tasks();
  for (std::thread& t : helpers) t.join();

  // Errors in a fixed order, whatever the scheduling: the skeleton, then tensors in table order.
  if (!parsed.is_ok()) return std::move(parsed).take_status();
  OnnxModel model = std::move(parsed).value();
  DCZ_TRY(check_skeleton(c, model));
  OnnxModel::Impl& impl = model.impl();
  for (std::size_t i = 0; i < n; ++i) {
    DCZ_TRY(std::move(status[i]));
    model.set_typed_storage(i, (c.tensors[i].flags & 1) != 0);
    if (c.tensors[i].dtype == DType::kString) {
      DCZ_TRY(model.set_tensor_bytes(i, onnx_internal::as_bytes(buffers[i])));
    } else {
      *impl.tensors[i]->mutable_raw_data() = std::move(buffers[i]);
    }
  }
  return model;
}

}  // namespace dcz
