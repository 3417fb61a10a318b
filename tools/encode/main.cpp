// dcz-encode: ONNX model -> .dcz container. Lossless: dcz-decode gives back the same model.
#include <chrono>
#include <cstdio>

#include "common/cli_app.h"
#include "common/encode_options.h"
#include "dcz/codec.h"
#include "dcz/file_io.h"
#include "dcz/onnx_model.h"

namespace {

using dcz::EncodeOptions;

struct Args {
  std::string input;
  std::string output;
  bool force = false, dense = false, quiet = false;
  EncodeOptions options;
};

dcz::Result<dcz::OnnxModel> load_input(const std::string& input) {
  if (input != "-") return dcz::OnnxModel::load(input);
  DCZ_ASSIGN_OR_RETURN(dcz::InputFile in, dcz::InputFile::open("-"));
  return dcz::OnnxModel::parse(in.bytes(), {}, "<stdin>");
}

int run(const Args& a) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::filesystem::path out =
      a.output.empty() ? dcz::cli::default_output(a.input, ".dcz") : std::filesystem::path(a.output);
  if (auto s = dcz::cli::check_output(out, a.force, a.input); !s) return dcz::cli::report("dcz-encode", s);
  auto model = load_input(a.input);
  if (!model) return dcz::cli::report("dcz-encode", model.status());
  EncodeOptions o = a.options;
  if (a.dense) o.mode = EncodeOptions::Mode::kDense;
  // Streams to a temporary file renamed into place at the end: nothing half-written survives.
  if (auto s = dcz::encode_model_to_file(*model, out, o); !s) return dcz::cli::report("dcz-encode", s);
  std::error_code ec;
  const std::uint64_t out_size = out == "-" ? 0 : std::filesystem::file_size(out, ec);
  if (!a.quiet) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::uint64_t in_size = 0;
    if (a.input != "-") in_size = std::filesystem::file_size(a.input, ec);
    std::fprintf(stderr, "dcz-encode: %s -> %s: %zu tensors, %llu -> %llu bytes (%.2fx) in %.2f s\n",
                 a.input.c_str(), out.c_str(), model->tensor_count(),
                 static_cast<unsigned long long>(in_size), static_cast<unsigned long long>(out_size),
                 out_size ? double(in_size) / double(out_size) : 0.0, secs);
  }
  return dcz::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Encode an ONNX model into a .dcz file (lossless: dcz-decode restores it exactly).\n"
               "Pruned and quantized weights (dcz-prune, dcz-quantize) are stored as a codebook,\n"
               "codebook indices and relative positions, entropy coded; other tensors are\n"
               "compressed losslessly.",
               "dcz-encode"};
  Args a;
  app.add_option("input", a.input, "ONNX model, or - for stdin")->required();
  app.add_option("-o,--output", a.output, "output .dcz file, or - for stdout (default: INPUT.dcz)");
  app.add_flag("-f,--force", a.force, "replace an existing output file");
  app.add_flag("--dense", a.dense, "store every tensor dense (zstd / byte shuffle), no codebook");
  dcz::cli::add_encode_options(app, a.options);
  app.add_option("--level", a.options.zstd_level, "zstd level of zstd-coded streams (0 = by size: 9, or 6 above 64 MiB)")
      ->check(CLI::Range(0, 22))->capture_default_str();
  app.add_option("--threads", a.options.threads, "worker threads (0 = all cores); output is identical")
      ->capture_default_str();
  app.add_flag("-q,--quiet", a.quiet, "no summary on stderr");
  app.footer("Exit codes: 0 ok, 1 usage, 2 invalid input, 3 I/O error, 4 cannot process.");
  dcz::cli::add_version_flag(app);
  if (auto code = dcz::cli::parse(app, argc, argv)) return *code;
  return dcz::cli::run("dcz-encode", [&] { return run(a); });
}
