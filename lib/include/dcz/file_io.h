// File handling shared by every tool: read-only mapping of inputs, and outputs that appear only
// when complete (temporary file + rename), never over their own input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/status.h"

namespace dcz {

// A read-only view of a whole input: memory-mapped for regular files, read into memory for
// pipes and for "-" (stdin).
class InputFile {
 public:
  static Result<InputFile> open(const std::filesystem::path& path);
  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;
  ~InputFile();

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  // The name used in messages: the path, or "<stdin>".
  const std::string& name() const { return name_; }

 private:
  InputFile() = default;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::string buffer_;
  std::string name_;
};

// An output written to "<dir>/.<name>.tmp-XXXXXX" and renamed onto its path by commit(). If the
// object is destroyed without commit() (an error anywhere), the temporary file is removed and the
// destination is untouched. For "-" the bytes go to stdout at commit(); stdout that is a terminal
// is refused for binary data unless `allow_terminal`.
class OutputFile {
 public:
  struct Options {
    bool binary = true;
    bool allow_terminal = false;
    // Paths of the inputs: the output may not be any of them (compared by device and inode).
    std::vector<std::filesystem::path> inputs;
  };
  static Result<OutputFile> create(const std::filesystem::path& path, const Options& options);
  OutputFile(OutputFile&&) noexcept;
  OutputFile& operator=(OutputFile&&) noexcept;
  ~OutputFile();

  Status write(std::span<const std::uint8_t> bytes);
  Status write(std::string_view bytes);
  // Writes at an absolute offset already written (to patch a header); not for "-".
  Status write_at(std::uint64_t offset, std::span<const std::uint8_t> bytes);
  std::uint64_t size() const { return size_; }
  // Flushes, closes and renames (or copies to stdout). After an error nothing is left behind.
  Status commit();
  const std::string& name() const { return name_; }

 private:
  OutputFile() = default;
  void discard();
  int fd_ = -1;
  bool to_stdout_ = false;
  std::uint64_t size_ = 0;
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  std::string name_;
};

// Reads a whole small file (recipes, JSON) into a string.
Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace dcz
