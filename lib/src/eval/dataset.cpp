// Dataset specs, dispatch to the readers, and preprocessing.
#include "dcz/dataset.h"

#include <algorithm>

#include "eval/dataset_readers.h"

namespace dcz {

Result<DatasetSpec> parse_dataset_spec(std::string_view spec) {
  auto bad = [&](std::string why) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--data '" + std::string(spec) + "': " + why +
                          " (expected idx:IMAGES,LABELS, cifar:FILE or npy:INPUTS,LABELS)");
  };
  std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return bad("no kind prefix");
  std::string_view kind = spec.substr(0, colon);
  std::string_view rest = spec.substr(colon + 1);
  DatasetSpec out;
  if (kind == "cifar") {
    if (rest.empty() || rest.find(',') != std::string_view::npos) return bad("cifar takes one file");
    out.kind = DatasetSpec::Kind::kCifar;
    out.inputs = std::string(rest);
    return out;
  }
  if (kind == "idx") {
    out.kind = DatasetSpec::Kind::kIdx;
  } else if (kind == "npy") {
    out.kind = DatasetSpec::Kind::kNpy;
  } else {
    return bad("unknown kind '" + std::string(kind) + "'");
  }
  std::size_t comma = rest.find(',');
  if (comma == std::string_view::npos || comma == 0 || comma + 1 == rest.size() ||
      rest.find(',', comma + 1) != std::string_view::npos) {
    return bad("needs two files separated by one comma");
  }
  out.inputs = std::string(rest.substr(0, comma));
  out.labels = std::string(rest.substr(comma + 1));
  return out;
}

std::size_t Dataset::sample_elements() const {
  std::size_t n = 1;
  for (std::int64_t d : sample_shape) n *= static_cast<std::size_t>(d);
  return n;
}

std::int64_t Dataset::label_count() const {
  std::int64_t m = -1;
  for (std::int64_t l : labels) m = std::max(m, l);
  return m + 1;
}

Result<Dataset> load_dataset(const DatasetSpec& spec, const DatasetLoadOptions& options) {
  switch (spec.kind) {
    case DatasetSpec::Kind::kIdx: return eval::load_idx(spec.inputs, spec.labels, options);
    case DatasetSpec::Kind::kCifar: return eval::load_cifar(spec.inputs, options);
    case DatasetSpec::Kind::kNpy: return eval::load_npy(spec.inputs, spec.labels, options);
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown dataset kind");
}

Status validate_preprocess(const Preprocess& preprocess, std::int64_t channels) {
  auto check = [&](const std::vector<double>& v, const char* what) -> Status {
    if (v.size() != 1 && static_cast<std::int64_t>(v.size()) != channels) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string("--") + what + " has " + std::to_string(v.size()) +
                            " values; the data has " + std::to_string(channels) +
                            " channels (give 1 or " + std::to_string(channels) + ")");
    }
    return Status::ok();
  };
  DCZ_TRY(check(preprocess.mean, "mean"));
  DCZ_TRY(check(preprocess.std, "std"));
  for (double s : preprocess.std) {
    if (!(s > 0)) return make_error(ErrorCode::kInvalidArgument, "--std values must be > 0");
  }
  if (!(preprocess.scale == preprocess.scale)) {
    return make_error(ErrorCode::kInvalidArgument, "--scale is not a number");
  }
  return Status::ok();
}

namespace {

template <class T>
void fill_samples(const T* in, std::size_t count, std::size_t channels, std::size_t plane,
                  const Preprocess& p, float* out) {
  for (std::size_t s = 0; s < count; ++s) {
    for (std::size_t c = 0; c < channels; ++c) {
      double mean = p.mean.size() == 1 ? p.mean[0] : p.mean[c];
      double std = p.std.size() == 1 ? p.std[0] : p.std[c];
      for (std::size_t i = 0; i < plane; ++i) {
        *out++ = static_cast<float>((static_cast<double>(*in++) * p.scale - mean) / std);
      }
    }
  }
}

}  // namespace

void fill_batch(const Dataset& dataset, std::size_t first, std::size_t count,
                const Preprocess& preprocess, float* out) {
  std::size_t elements = dataset.sample_elements();
  std::size_t channels = dataset.sample_shape.empty() ? 1 : static_cast<std::size_t>(dataset.sample_shape[0]);
  std::size_t plane = channels ? elements / channels : 0;
  if (dataset.is_float) {
    fill_samples(dataset.values.data() + first * elements, count, channels, plane, preprocess, out);
  } else {
    fill_samples(dataset.pixels.data() + first * elements, count, channels, plane, preprocess, out);
  }
}

}  // namespace dcz
