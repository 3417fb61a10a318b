// Dataset readers: valid files of each format, and malformed ones rejected with kBadDataset.
#include <unistd.h>
#include <zlib.h>

#include "dcz/dataset.h"
#include "eval/npy.h"
#include "eval/test_files.h"

namespace dcz {
namespace {

using test::ScratchDir;
using test::write_bytes;

std::string idx_header(std::uint8_t rank, std::vector<std::uint32_t> dims) {
  std::string h{'\0', '\0', '\x08', static_cast<char>(rank)};
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) h += static_cast<char>((d >> s) & 0xff);
  }
  return h;
}

std::string gzip_of(std::string_view raw) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, raw.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Two 2×3 images with pixel values 0..11 and labels 4, 7.
struct IdxFiles {
  std::string images = idx_header(3, {2, 2, 3}) + std::string("\0\1\2\3\4\5\6\7\10\11\12\13", 12);
  std::string labels = idx_header(1, {2}) + std::string("\4\7", 2);
};

TEST(DatasetSpec, ParsesEachKind) {
  auto idx = parse_dataset_spec("idx:a.gz,b.gz");
  ASSERT_TRUE(idx.is_ok()) << idx.status().to_string();
  EXPECT_EQ(idx->kind, DatasetSpec::Kind::kIdx);
  EXPECT_EQ(idx->inputs, "a.gz");
  EXPECT_EQ(idx->labels, "b.gz");
  auto cifar = parse_dataset_spec("cifar:test.bin");
  ASSERT_TRUE(cifar.is_ok());
  EXPECT_EQ(cifar->kind, DatasetSpec::Kind::kCifar);
  EXPECT_EQ(cifar->inputs, "test.bin");
  auto npy = parse_dataset_spec("npy:x.npy,y.npy");
  ASSERT_TRUE(npy.is_ok());
  EXPECT_EQ(npy->kind, DatasetSpec::Kind::kNpy);
}

TEST(DatasetSpec, RejectsMalformedSpecs) {
  for (const char* bad : {"", "idx", "idx:a", "idx:a,", "idx:,b", "idx:a,b,c", "cifar:", "cifar:a,b", "png:a,b"}) {
    auto r = parse_dataset_spec(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(IdxReader, ReadsPlainAndGzipIdentically) {
  ScratchDir dir;
  IdxFiles f;
  write_bytes(dir / "img", f.images);
  write_bytes(dir / "lab", f.labels);
  write_bytes(dir / "img.gz", gzip_of(f.images));
  write_bytes(dir / "lab.gz", gzip_of(f.labels));
  for (auto [img, lab] : {std::pair{"img", "lab"}, std::pair{"img.gz", "lab.gz"}}) {
    auto d = load_dataset({DatasetSpec::Kind::kIdx, dir / img, dir / lab});
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    EXPECT_EQ(d->sample_shape, (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(d->labels, (std::vector<std::int64_t>{4, 7}));
    ASSERT_EQ(d->pixels.size(), 12u);
    EXPECT_EQ(d->pixels[11], 11);
    EXPECT_EQ(d->label_count(), 8);
  }
}

TEST(IdxReader, LimitKeepsEvenlySpreadSamples) {
  ScratchDir dir;
  IdxFiles f;
  write_bytes(dir / "img", f.images);
  write_bytes(dir / "lab", f.labels);
  DatasetLoadOptions options;
  options.limit = 1;
  auto d = load_dataset({DatasetSpec::Kind::kIdx, dir / "img", dir / "lab"}, options);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->size(), 1u);
  EXPECT_EQ(d->pixels, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(d->labels, (std::vector<std::int64_t>{4}));
}

TEST(IdxReader, RejectsTruncatedFilesAtEveryLength) {
  ScratchDir dir;
  IdxFiles f;
  write_bytes(dir / "lab", f.labels);
  for (std::size_t len = 0; len < f.images.size(); ++len) {
    write_bytes(dir / "img", f.images.substr(0, len));
    auto d = load_dataset({DatasetSpec::Kind::kIdx, dir / "img", dir / "lab"});
    ASSERT_FALSE(d.is_ok()) << len;
    EXPECT_EQ(d.status().code(), ErrorCode::kBadDataset) << len;
    EXPECT_NE(d.status().message().find((dir / "img").string()), std::string::npos);
  }
  write_bytes(dir / "img", f.images.substr(0, f.images.size() - 1));
  auto d = load_dataset({DatasetSpec::Kind::kIdx, dir / "img", dir / "lab"});
  EXPECT_NE(d.status().message().find("truncated"), std::string::npos) << d.status().to_string();
}

TEST(IdxReader, RejectsTruncatedGzip) {
  ScratchDir dir;
  IdxFiles f;
  std::string gz = gzip_of(f.images);
  write_bytes(dir / "lab", f.labels);
  for (std::size_t len : {std::size_t{2}, std::size_t{10}, gz.size() / 2, gz.size() - 1}) {
    write_bytes(dir / "img.gz", gz.substr(0, len));
    auto d = load_dataset({DatasetSpec::Kind::kIdx, dir / "img.gz", dir / "lab"});
    ASSERT_FALSE(d.is_ok()) << len;
    EXPECT_EQ(d.status().code(), ErrorCode::kBadDataset) << len << " " << d.status().to_string();
  }
}

TEST(IdxReader, RejectsWrongTypeRankTrailingBytesAndCountMismatch) {
  ScratchDir dir;
  IdxFiles f;
  std::string wrong_type = f.images;
  wrong_type[2] = 0x0D;
  std::string trailing = f.images + "x";
  std::string one_label = idx_header(1, {1}) + std::string("\4", 1);
  struct Case { std::string images, labels, needle; } cases[] = {
      {wrong_type, f.labels, "type code"},
      {trailing, f.labels, "after the data"},
      {f.images, one_label, "1 labels for 2 images"},
      {f.labels, f.labels, "rank 3"},
  };
  for (const Case& c : cases) {
    write_bytes(dir / "img", c.images);
    write_bytes(dir / "lab", c.labels);
    auto d = load_dataset({DatasetSpec::Kind::kIdx, dir / "img", dir / "lab"});
    ASSERT_FALSE(d.is_ok()) << c.needle;
    EXPECT_EQ(d.status().code(), ErrorCode::kBadDataset);
    EXPECT_NE(d.status().message().find(c.needle), std::string::npos) << d.status().to_string();
  }
}

TEST(IdxReader, MissingFileIsIoError) {
  ScratchDir dir;
  auto d = load_dataset({DatasetSpec::Kind::kIdx, dir / "nope", dir / "nope2"});
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), ErrorCode::kIo);
}

std::string cifar_record(std::uint8_t label, std::uint8_t fill) {
  return std::string(1, static_cast<char>(label)) + std::string(3072, static_cast<char>(fill));
}

TEST(CifarReader, LimitSpreadsTheSubsetOverTheFile) {
  ScratchDir dir;
  // Sorted by class, like the CIFAR-10 JPEG copy: the first half is class 0.
  write_bytes(dir / "sorted.bin", cifar_record(0, 1) + cifar_record(0, 2) + cifar_record(0, 3) +
                                      cifar_record(5, 4) + cifar_record(5, 5) + cifar_record(5, 6));
  DatasetLoadOptions options;
  options.limit = 3;
  auto d = load_dataset({DatasetSpec::Kind::kCifar, dir / "sorted.bin", {}}, options);
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->labels, (std::vector<std::int64_t>{0, 0, 5}));  // records 0, 2, 4
  EXPECT_EQ(d->pixels[0], 1);
  EXPECT_EQ(d->pixels[3072], 3);
  EXPECT_EQ(d->pixels[2 * 3072], 5);
}

TEST(CifarReader, ReadsRecordsAndRejectsTruncationAndBadLabels) {
  ScratchDir dir;
  write_bytes(dir / "ok.bin", cifar_record(3, 10) + cifar_record(9, 20));
  auto d = load_dataset({DatasetSpec::Kind::kCifar, dir / "ok.bin", {}});
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->sample_shape, (std::vector<std::int64_t>{3, 32, 32}));
  EXPECT_EQ(d->labels, (std::vector<std::int64_t>{3, 9}));
  EXPECT_EQ(d->pixels[3072], 20);

  write_bytes(dir / "short.bin", cifar_record(3, 10) + cifar_record(9, 20).substr(0, 100));
  auto t = load_dataset({DatasetSpec::Kind::kCifar, dir / "short.bin", {}});
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kBadDataset);
  EXPECT_NE(t.status().message().find("record 1 starting at byte 3073"), std::string::npos) << t.status().to_string();

  write_bytes(dir / "label.bin", cifar_record(3, 10) + cifar_record(10, 20));
  auto l = load_dataset({DatasetSpec::Kind::kCifar, dir / "label.bin", {}});
  ASSERT_FALSE(l.is_ok());
  EXPECT_EQ(l.status().code(), ErrorCode::kBadDataset);
  EXPECT_NE(l.status().message().find("record 1"), std::string::npos);
}

TEST(NpyReader, ReadsFloatInputsAndIntLabels) {
  ScratchDir dir;
  std::vector<float> x{0.5f, -1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
  std::vector<std::int64_t> y{2, 0};
  write_bytes(dir / "x.npy", eval::npy_float32(x, {2, 3}));
  write_bytes(dir / "y.npy", eval::npy_int64(y, {2}));
  auto d = load_dataset({DatasetSpec::Kind::kNpy, dir / "x.npy", dir / "y.npy"});
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_TRUE(d->is_float);
  EXPECT_EQ(d->values, x);
  EXPECT_EQ(d->labels, y);
  EXPECT_EQ(d->sample_shape, (std::vector<std::int64_t>{3}));
}

TEST(NpyReader, RejectsMalformedArrays) {
  ScratchDir dir;
  std::vector<float> x{1, 2, 3, 4};
  std::string good = eval::npy_float32(x, {2, 2});
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  std::string f8 = good;
  f8.replace(f8.find("<f4"), 3, ">f4");
  std::vector<std::int64_t> negative{1, -3};
  write_bytes(dir / "y.npy", eval::npy_int64(std::vector<std::int64_t>{1, 0}, {2}));
  struct Case { std::string inputs, labels, needle; } cases[] = {
      {good.substr(0, good.size() - 1), "", "bytes of data"},
      {good.substr(0, 20), "", "runs past the end"},
      {"not an npy file", "", "magic"},
      {fortran, "", "Fortran"},
      {f8, "", "dtype"},
      {good, eval::npy_int64(negative, {2}), "negative"},
      {good, eval::npy_float32(std::vector<float>{0, 1}, {2}), "not an integer type"},
      {good, eval::npy_int64(negative, {1, 2}), "shape (N,)"},
  };
  for (const Case& c : cases) {
    write_bytes(dir / "x.npy", c.inputs);
    if (!c.labels.empty()) write_bytes(dir / "y2.npy", c.labels);
    auto d = load_dataset({DatasetSpec::Kind::kNpy, dir / "x.npy", c.labels.empty() ? dir / "y.npy" : dir / "y2.npy"});
    ASSERT_FALSE(d.is_ok()) << c.needle;
    EXPECT_EQ(d.status().code(), ErrorCode::kBadDataset) << c.needle;
    EXPECT_NE(d.status().message().find(c.needle), std::string::npos) << d.status().to_string();
  }
}

TEST(Preprocess, AppliesScaleMeanStdPerChannel) {
  Dataset d;
  d.sample_shape = {2, 1, 2};
  d.pixels = {0, 255, 51, 102};
  d.labels = {0};
  Preprocess p;
  p.scale = 1.0 / 255;
  p.mean = {0.5, 0.1};
  p.std = {0.5, 0.2};
  ASSERT_TRUE(validate_preprocess(p, 2).is_ok());
  std::vector<float> out(4);
  fill_batch(d, 0, 1, p, out.data());
  EXPECT_FLOAT_EQ(out[0], -1.0f);
  EXPECT_FLOAT_EQ(out[1], 1.0f);
  EXPECT_FLOAT_EQ(out[2], 0.5f);   // (0.2 - 0.1) / 0.2
  EXPECT_FLOAT_EQ(out[3], 1.5f);   // (0.4 - 0.1) / 0.2
  // Rounded once from double: pixel 1 × (1/255) is exactly the float nearest 1/255.
  d.pixels = {1, 0, 0, 0};
  p.mean = {0};
  p.std = {1};
  fill_batch(d, 0, 1, p, out.data());
  EXPECT_EQ(out[0], 1.0f / 255.0f);
}

TEST(Preprocess, RejectsWrongChannelCountsAndNonPositiveStd) {
  Preprocess p;
  p.mean = {0.1, 0.2};
  EXPECT_EQ(validate_preprocess(p, 3).code(), ErrorCode::kInvalidArgument);
  p.mean = {0.1, 0.2, 0.3};
  EXPECT_TRUE(validate_preprocess(p, 3).is_ok());
  p.std = {0};
  EXPECT_EQ(validate_preprocess(p, 3).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace dcz
