// dcz-inspect: what a .dcz file holds, tensor by tensor, and where every byte went.
#include <cstdio>

#include "common/cli_app.h"
#include "dcz/container.h"
#include "dcz/file_io.h"
#include "dcz/inspect.h"

namespace {

struct Args {
  std::string input, original;
  bool json = false, annotate = false;
};

int run(const Args& a) {
  auto in = dcz::InputFile::open(a.input);
  if (!in) return dcz::cli::report("dcz-inspect", in.status());
  if (a.annotate) {
    // Print every field the reader met, even when the file is corrupt; then report the error.
    std::vector<dcz::AnnotationRow> rows;
    dcz::ReadOptions ro;
    ro.annotation = &rows;
    auto c = dcz::read_container(in->bytes(), in->name(), ro);
    std::fputs(dcz::format_annotation(rows).c_str(), stdout);
    if (!c) return dcz::cli::report("dcz-inspect", c.status());
    return dcz::cli::kExitOk;
  }
  auto c = dcz::read_container(in->bytes(), in->name());
  if (!c) return dcz::cli::report("dcz-inspect", c.status());
  auto report = dcz::inspect_container(*c);
  if (!report) return dcz::cli::report("dcz-inspect", report.status());
  if (!a.original.empty()) {
    std::error_code ec;
    report->original_bytes = std::filesystem::file_size(a.original, ec);
    if (ec) {
      return dcz::cli::report("dcz-inspect", dcz::make_error(dcz::ErrorCode::kIo, a.original + ": " + ec.message()));
    }
  }
  const std::string text = a.json ? dcz::format_inspect_json(*report) : dcz::format_inspect_table(*report);
  std::fputs(text.c_str(), stdout);
  return dcz::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Show what a .dcz file holds: per tensor its type, shape, representation and\n"
               "stored bytes, and an account of every byte of the file.", "dcz-inspect"};
  Args a;
  app.add_option("input", a.input, ".dcz file, or - for stdin")->required();
  app.add_option("--original", a.original, "the model file this was made from, to report the ratio against it");
  auto* json = app.add_flag("--json", a.json, "the same report as JSON");
  app.add_flag("--annotate", a.annotate,
               "print every field with offset, size, type and value; marks the bad part of a "
               "corrupt file")->excludes(json);
  app.footer("Exit codes: 0 ok, 1 usage, 2 invalid input, 3 I/O error, 4 cannot process.");
  dcz::cli::add_version_flag(app);
  if (auto code = dcz::cli::parse(app, argc, argv)) return *code;
  return dcz::cli::run("dcz-inspect", [&] { return run(a); });
}
