#include "compress/io.h"

#include "dcz/file_io.h"

namespace dcz::compress {

Result<OnnxModel> load_input_model(const std::string& input) {
  if (input != "-") return OnnxModel::load(input);
  DCZ_ASSIGN_OR_RETURN(InputFile in, InputFile::open("-"));
  return OnnxModel::parse(in.bytes(), {}, "<stdin>");
}

std::uint64_t input_file_size(const std::string& input) {
  if (input == "-") return 0;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(input, ec);
  return ec ? 0 : size;
}

Status write_text_file(const std::string& path, const std::string& text, const std::string& input) {
  OutputFile::Options fo;
  fo.binary = false;
  fo.inputs = {input};
  DCZ_ASSIGN_OR_RETURN(OutputFile out, OutputFile::create(path, fo));
  DCZ_TRY(out.write(text));
  return out.commit();
}

}  // namespace dcz::compress
