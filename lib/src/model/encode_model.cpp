// OnnxModel -> .dcz. Tensors are encoded by a pool of workers a bounded distance ahead of the
// writer, which appends them strictly in tensor order: the file is the same for any thread count,
// and memory holds only the tensors in flight, not a second copy of the model.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "container/encode_tensor.h"
#include "dcz/codec.h"
#include "dcz/container.h"
#include "dcz/file_io.h"

namespace dcz {
namespace {

// The paper's relative-index width: 8 bits for conv layers, 5 for everything else.
unsigned gap_bits_for(const TensorInfo& info, const EncodeOptions& o) {
  for (const TensorUse& u : info.uses) {
    if (u.op_type == "Conv" || u.op_type == "ConvTranspose") return o.conv_gap_bits;
  }
  return o.fc_gap_bits;
}

TensorHeader header_for(const OnnxModel& model, std::size_t i) {
  const TensorInfo& info = model.tensor(i);
  TensorHeader h;
  h.name = info.name;
  h.dtype = info.dtype;
  h.dims = info.dims;
  h.flags = info.typed_storage ? 1 : 0;
  h.byte_size = model.tensor_bytes(i).size();
  return h;
}

class OrderedEncoder {
 public:
  OrderedEncoder(const OnnxModel& model, const EncodeOptions& options)
      : model_(model), options_(options), results_(model.tensor_count()) {}

  Status run(ContainerWriter& writer) {
    const std::size_t n = model_.tensor_count();
    unsigned threads = options_.threads ? options_.threads : std::thread::hardware_concurrency();
    threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(n, 1))));
    window_ = 2 * threads;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back([this] { work(); });
    Status status;
    for (std::size_t i = 0; i < n && status.is_ok(); ++i) {
      Result<EncodedTensor> r = wait_for(i);
      if (!r.is_ok()) {
        status = std::move(r).take_status().with_context("tensor '" + model_.tensor(i).name + "'");
        break;
      }
      status = writer.add_tensor(header_for(model_, i), r.value());
      std::lock_guard<std::mutex> lock(mu_);
      results_[i].reset();  // free it; let workers run further ahead
      written_ = i + 1;
      cv_.notify_all();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    for (std::thread& t : pool) t.join();
    return status;
  }

 private:
  void work() {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || next_ >= results_.size() || next_ < written_ + window_; });
        if (stop_ || next_ >= results_.size()) return;
        i = next_++;
      }
      TensorView view{model_.tensor(i).dtype, model_.tensor(i).dims, model_.tensor_bytes(i)};
      Result<EncodedTensor> r = encode_tensor(view, gap_bits_for(model_.tensor(i), options_), options_);
      std::lock_guard<std::mutex> lock(mu_);
      results_[i].emplace(std::move(r));
      cv_.notify_all();
    }
  }

  Result<EncodedTensor> wait_for(std::size_t i) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return results_[i].has_value(); });
    return std::move(*results_[i]);
  }

  const OnnxModel& model_;
  const EncodeOptions& options_;
  std::vector<std::optional<Result<EncodedTensor>>> results_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t next_ = 0;
  std::size_t written_ = 0;
  std::size_t window_ = 2;
  bool stop_ = false;
};

Status encode_to_sink(const OnnxModel& model, ByteSink& sink, const EncodeOptions& options) {
  DCZ_ASSIGN_OR_RETURN(std::string skeleton, model.serialize_skeleton());
  ContainerWriter writer(sink);
  DCZ_TRY(writer.begin({reinterpret_cast<const std::uint8_t*>(skeleton.data()), skeleton.size()}, 19));
  OrderedEncoder encoder(model, options);
  DCZ_TRY(encoder.run(writer));
  return writer.finish();
}

class OutputFileSink final : public ByteSink {
 public:
  explicit OutputFileSink(OutputFile& f) : f_(f) {}
  Status write(std::span<const std::uint8_t> b) override { return f_.write(b); }
  Status write_at(std::uint64_t off, std::span<const std::uint8_t> b) override { return f_.write_at(off, b); }
  std::uint64_t size() const override { return f_.size(); }

 private:
  OutputFile& f_;
};

}  // namespace

Result<std::vector<std::uint8_t>> encode_model(const OnnxModel& model, const EncodeOptions& options) {
  VectorSink sink;
  DCZ_TRY(encode_to_sink(model, sink, options));
  return std::move(sink.bytes());
}

Status encode_model_to_file(const OnnxModel& model, const std::filesystem::path& path,
                            const EncodeOptions& options) {
  DCZ_ASSIGN_OR_RETURN(OutputFile out, OutputFile::create(path, {}));
  OutputFileSink sink(out);
  DCZ_TRY(encode_to_sink(model, sink, options));
  return out.commit();
}

}  // namespace dcz
