// Second moments of layer inputs for the error-feedback quantizer: flat features and 2-D
// convolution patches (sensitivity_stats.h).
#include "eval/sensitivity_stats.h"

namespace dcz::eval {

std::uint64_t add_gram(const float* x, std::size_t k, std::vector<double>& gram) {
  for (std::size_t i = 0; i < k; ++i) {
    const double xi = x[i];
    if (xi == 0.0) continue;  // ReLU outputs are often zero
    double* row = gram.data() + i * k;
    for (std::size_t j = i; j < k; ++j) row[j] += xi * x[j];
  }
  return 1;
}

std::uint64_t add_patch_gram(const float* x, const std::vector<int>& dims, const WeightLayer& layer,
                             std::int64_t kernel_h, std::int64_t kernel_w, std::vector<double>& gram) {
  const std::int64_t channels = dims[0], height = dims[1], width = dims[2];
  const std::int64_t sh = layer.strides[0], sw = layer.strides[1];
  const std::int64_t pt = layer.pads[0], pl = layer.pads[1], pb = layer.pads[2], pr = layer.pads[3];
  const std::int64_t dh = layer.dilations[0], dw = layer.dilations[1];
  if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0) return 0;
  const std::int64_t out_h = (height + pt + pb - dh * (kernel_h - 1) - 1) / sh + 1;
  const std::int64_t out_w = (width + pl + pr - dw * (kernel_w - 1) - 1) / sw + 1;
  if (out_h <= 0 || out_w <= 0) return 0;
  const auto positions = static_cast<std::size_t>(out_h * out_w);
  const std::size_t take = std::min(positions, kPatchesPerSample);
  const auto k = static_cast<std::size_t>(channels * kernel_h * kernel_w);
  std::vector<float> patch(k);
  for (std::size_t t = 0; t < take; ++t) {
    const std::size_t p = t * positions / take;
    const std::int64_t oy = static_cast<std::int64_t>(p) / out_w, ox = static_cast<std::int64_t>(p) % out_w;
    std::size_t j = 0;
    for (std::int64_t c = 0; c < channels; ++c) {
      for (std::int64_t ky = 0; ky < kernel_h; ++ky) {
        const std::int64_t y = oy * sh - pt + ky * dh;
        for (std::int64_t kx = 0; kx < kernel_w; ++kx, ++j) {
          const std::int64_t xx = ox * sw - pl + kx * dw;
          patch[j] = y < 0 || y >= height || xx < 0 || xx >= width ? 0.0f : x[(c * height + y) * width + xx];
        }
      }
    }
    add_gram(patch.data(), k, gram);
  }
  return take;
}

}  // namespace dcz::eval
