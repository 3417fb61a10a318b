// dcz-decode: .dcz container -> the ONNX model that was encoded, bit for bit.
#include <chrono>
#include <cstdio>

#include "common/cli_app.h"
#include "dcz/codec.h"
#include "dcz/file_io.h"
#include "dcz/onnx_model.h"

namespace {

struct Args {
  std::string input, output;
  bool force = false, external = false, check = false, quiet = false;
};

int run(const Args& a) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::filesystem::path out =
      a.output.empty() ? dcz::cli::default_output(a.input, ".onnx") : std::filesystem::path(a.output);
  if (auto s = dcz::cli::check_output(out, a.force, a.input); !s) return dcz::cli::report("dcz-decode", s);
  if (a.external && out == "-") {
    return dcz::cli::report("dcz-decode", dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                                                          "--external-data needs a file output"));
  }
  auto in = dcz::InputFile::open(a.input);
  if (!in) return dcz::cli::report("dcz-decode", in.status());
  auto model = dcz::decode_model(in->bytes(), in->name());
  if (!model) return dcz::cli::report("dcz-decode", model.status());
  if (a.check) {
    if (auto s = model->check(); !s) return dcz::cli::report("dcz-decode", s);
  }
  std::uint64_t written = 0;
  if (out == "-") {
    auto bytes = model->serialize();
    if (!bytes) return dcz::cli::report("dcz-decode", bytes.status());
    dcz::OutputFile::Options fo;
    auto file = dcz::OutputFile::create(out, fo);
    if (!file) return dcz::cli::report("dcz-decode", file.status());
    if (auto s = file->write(*bytes); !s) return dcz::cli::report("dcz-decode", s);
    if (auto s = file->commit(); !s) return dcz::cli::report("dcz-decode", s);
    written = bytes->size();
  } else {
    dcz::OnnxSaveOptions so;
    so.external_data = a.external;
    if (auto s = model->save(out, so); !s) return dcz::cli::report("dcz-decode", s);
    std::error_code ec;
    written = std::filesystem::file_size(out, ec);
  }
  if (!a.quiet) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "dcz-decode: %s -> %s: %zu tensors, %zu -> %llu bytes in %.2f s\n",
                 in->name().c_str(), out.c_str(), model->tensor_count(), in->bytes().size(),
                 static_cast<unsigned long long>(written), secs);
  }
  return dcz::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Decode a .dcz file back to the ONNX model that was encoded.", "dcz-decode"};
  Args a;
  app.add_option("input", a.input, ".dcz file, or - for stdin")->required();
  app.add_option("-o,--output", a.output, "output ONNX file, or - for stdout (default: INPUT.onnx)");
  app.add_flag("-f,--force", a.force, "replace an existing output file");
  app.add_flag("--external-data", a.external,
               "write tensor values to OUTPUT.data beside the model (automatic above 2 GiB)");
  app.add_flag("--check", a.check, "run the ONNX checker on the decoded model");
  app.add_flag("-q,--quiet", a.quiet, "no summary on stderr");
  app.footer("Exit codes: 0 ok, 1 usage, 2 invalid input, 3 I/O error, 4 cannot process.");
  dcz::cli::add_version_flag(app);
  if (auto code = dcz::cli::parse(app, argc, argv)) return *code;
  return dcz::cli::run("dcz-decode", [&] { return run(a); });
}
