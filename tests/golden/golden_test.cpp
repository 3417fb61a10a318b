// Golden files pin the format: tests/golden/valid/NAME.dcz must decode to exactly NAME.onnx, and
// the current writer must still produce NAME.dcz byte for byte from NAME.onnx; every file in
// tests/golden/invalid/CODE--WHAT.dcz must be rejected with error CODE.
//
// DCZ_WRITE_GOLDEN_VALID=DIR regenerates the valid pairs (a format change must be deliberate:
// regenerate, review the diff, and update SPEC.md's change list).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "dcz/codec.h"
#include "dcz/container.h"
#include "dcz/file_io.h"
#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;
const fs::path kGolden = DCZ_SOURCE_DIR "/tests/golden";

std::vector<fs::path> files(const fs::path& dir, const char* ext) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

EncodeOptions golden_options() {
  EncodeOptions o;
  o.threads = 1;
  return o;
}

// Replaces every float32 weight (rank >= 2) w at element e with f(w, e).
template <class F>
void transform_weights(OnnxModel& m, F&& f) {
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    if (m.tensor(i).dtype != DType::kFloat32 || m.tensor(i).dims.size() < 2) continue;
    auto b = m.mutable_tensor_bytes(i);
    for (std::size_t k = 0; k + 4 <= b.size(); k += 4) {
      float v;
      std::memcpy(&v, &b[k], 4);
      v = f(v, k / 4);
      std::memcpy(&b[k], &v, 4);
    }
  }
}

// Prunes 80 % and shares weights on a grid, so the sparse + codebook path is pinned too.
void prune_and_share(OnnxModel& m) {
  transform_weights(m, [](float v, std::size_t e) {
    float q = std::round(v * 64.0f);
    if (q == 0.0f) q = v < 0 ? -1.0f : 1.0f;
    return (e * 7919 % 10 < 8) ? 0.0f : q / 64.0f;
  });
}

// Snaps the weights to a uniform grid with a dead zone (value = level / 32, |w| < 1/32 -> 0), as a
// rate-aware quantizer writes them, so --entropy auto picks the levels representation (SPEC 6.10).
void snap_to_levels(OnnxModel& m) {
  transform_weights(m, [](float v, std::size_t) {
    v = std::trunc(v * 32.0f) / 32.0f;
    return v == 0.0f ? 0.0f : v;  // -0.0 from the dead zone is zero too
  });
}

// Zeroes a third of the columns of every float32 matrix and thins the others to a density of their
// own (10 ... 69 %) before snapping to the levels grid: the column structure of rate-quantized fully
// connected layers, for which the writer picks the levels' context set 1 (SPEC 6.10.6).
void prune_columns_then_snap(OnnxModel& m) {
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    const TensorInfo& t = m.tensor(i);
    if (t.dtype != DType::kFloat32 || t.dims.size() != 2) continue;
    const std::size_t cols = std::size_t(t.dims[1]);
    auto b = m.mutable_tensor_bytes(i);
    for (std::size_t e = 0; e * 4 < b.size(); ++e) {
      const std::size_t c = e % cols;
      const bool keep = c % 3 != 0 && e * 7919 % 100 < 10 + c * 37 % 60;
      if (!keep) std::memset(&b[e * 4], 0, 4);
    }
  }
  snap_to_levels(m);
}

void write_pair(const fs::path& dir, const std::string& name, const OnnxModel& m) {
  ASSERT_TRUE(m.save(dir / (name + ".onnx")).is_ok());
  auto bytes = encode_model(m, golden_options());
  ASSERT_TRUE(bytes.is_ok());
  std::ofstream(dir / (name + ".dcz"), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
}

TEST(Golden, WriteValidPairsWhenAsked) {
  const char* dir = std::getenv("DCZ_WRITE_GOLDEN_VALID");
  if (!dir) GTEST_SKIP() << "set DCZ_WRITE_GOLDEN_VALID=DIR to regenerate";
  auto parse = [](const std::string& b) { return std::move(OnnxModel::parse(test::as_span(b), {}, "g")).value(); };
  write_pair(dir, "all_dtypes", parse(test::make_all_dtypes_model()));
  write_pair(dir, "subgraphs", parse(test::make_constant_and_subgraph_model()));
  write_pair(dir, "sparse_initializer", parse(test::make_sparse_initializer_model()));
  OnnxModel mlp = parse(test::make_mlp_model({64, 32, 10}, 11));
  prune_and_share(mlp);
  write_pair(dir, "mlp_pruned_shared", mlp);
  test::ConvModelOptions co;
  co.out_channels = 16;
  OnnxModel conv = parse(test::make_conv_model(co));
  prune_and_share(conv);
  write_pair(dir, "conv_pruned_shared", conv);
  OnnxModel levels = parse(test::make_mlp_model({96, 64, 10}, 5));
  snap_to_levels(levels);
  write_pair(dir, "mlp_grid_levels", levels);
  OnnxModel columns = parse(test::make_mlp_model({96, 64, 10}, 7));
  prune_columns_then_snap(columns);
  write_pair(dir, "mlp_column_levels", columns);
}

TEST(Golden, ValidFilesDecodeExactlyAndAreReproduced) {
  const auto dcz_files = files(kGolden / "valid", ".dcz");
  ASSERT_FALSE(dcz_files.empty());
  for (const fs::path& p : dcz_files) {
    fs::path onnx = p;
    onnx.replace_extension(".onnx");
    auto in = InputFile::open(p);
    ASSERT_TRUE(in.is_ok());
    auto decoded = decode_model(in->bytes(), p.string());
    ASSERT_TRUE(decoded.is_ok()) << p << ": " << decoded.status().to_string();
    auto expected = OnnxModel::load(onnx);
    ASSERT_TRUE(expected.is_ok()) << onnx;
    EXPECT_EQ(expected->first_difference(*decoded), "") << p;
    auto again = encode_model(*expected, golden_options());
    ASSERT_TRUE(again.is_ok());
    EXPECT_TRUE(std::equal(again->begin(), again->end(), in->bytes().begin(), in->bytes().end()))
        << p << ": the writer no longer reproduces this golden file";
  }
}

// The first error a full decode meets: structure, then every tensor's streams.
Status decode_everything(std::span<const std::uint8_t> bytes, const std::string& name) {
  DCZ_ASSIGN_OR_RETURN(Container c, read_container(bytes, name));
  for (std::size_t i = 0; i < c.tensors.size(); ++i) {
    std::vector<std::uint8_t> out(c.tensors[i].byte_size);
    DCZ_TRY(decode_tensor(c, i, out));
  }
  return Status::ok();
}

TEST(Golden, InvalidFilesFailWithTheirCode) {
  const auto bad = files(kGolden / "invalid", ".dcz");
  ASSERT_FALSE(bad.empty());
  for (const fs::path& p : bad) {
    const std::string stem = p.stem().string();
    const std::string code = stem.substr(0, stem.find("--"));
    auto in = InputFile::open(p);
    ASSERT_TRUE(in.is_ok());
    Status s = decode_everything(in->bytes(), p.string());
    ASSERT_FALSE(s.is_ok()) << p;
    EXPECT_EQ(std::string(error_code_name(s.code())), code) << p << ": " << s.to_string();
  }
}

}  // namespace
}  // namespace dcz
