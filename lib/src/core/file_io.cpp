#include "dcz/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dcz {
namespace {

Status io_error(const std::string& what, const std::string& name) {
  return make_error(ErrorCode::kIo, name + ": " + what + ": " + std::strerror(errno));
}

Status read_all_fd(int fd, std::string& out, const std::string& name) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return Status::ok();
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read", name);
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

Status write_all_fd(int fd, const std::uint8_t* p, std::size_t n, const std::string& name) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", name);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return Status::ok();
}

}  // namespace

// ---- InputFile ----

InputFile::InputFile(InputFile&& o) noexcept { *this = std::move(o); }

InputFile& InputFile::operator=(InputFile&& o) noexcept {
  if (this == &o) return *this;
  if (mapped_ && data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  mapped_ = o.mapped_;
  size_ = o.size_;
  name_ = std::move(o.name_);
  buffer_ = std::move(o.buffer_);
  data_ = mapped_ ? o.data_ : reinterpret_cast<const std::uint8_t*>(buffer_.data());
  o.data_ = nullptr;
  o.size_ = 0;
  o.mapped_ = false;
  return *this;
}

InputFile::~InputFile() {
  if (mapped_ && data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

Result<InputFile> InputFile::open(const std::filesystem::path& path) {
  InputFile f;
  if (path == "-") {
    f.name_ = "<stdin>";
    DCZ_TRY(read_all_fd(STDIN_FILENO, f.buffer_, f.name_));
    f.data_ = reinterpret_cast<const std::uint8_t*>(f.buffer_.data());
    f.size_ = f.buffer_.size();
    return f;
  }
  f.name_ = path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", f.name_);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = io_error("cannot stat", f.name_);
    ::close(fd);
    return s;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, f.name_ + ": is a directory");
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      ::close(fd);
      f.data_ = static_cast<const std::uint8_t*>(p);
      f.size_ = static_cast<std::size_t>(st.st_size);
      f.mapped_ = true;
      return f;
    }
  }
  Status s = read_all_fd(fd, f.buffer_, f.name_);
  ::close(fd);
  DCZ_TRY(std::move(s));
  f.data_ = reinterpret_cast<const std::uint8_t*>(f.buffer_.data());
  f.size_ = f.buffer_.size();
  return f;
}

// ---- OutputFile ----

OutputFile::OutputFile(OutputFile&& o) noexcept { *this = std::move(o); }

OutputFile& OutputFile::operator=(OutputFile&& o) noexcept {
  if (this == &o) return *this;
  discard();
  fd_ = o.fd_;
  to_stdout_ = o.to_stdout_;
  size_ = o.size_;
  final_path_ = std::move(o.final_path_);
  temp_path_ = std::move(o.temp_path_);
  name_ = std::move(o.name_);
  o.fd_ = -1;
  o.temp_path_.clear();
  return *this;
}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

Result<OutputFile> OutputFile::create(const std::filesystem::path& path, const Options& options) {
  OutputFile f;
  f.to_stdout_ = path == "-";
  f.name_ = f.to_stdout_ ? "<stdout>" : path.string();
  if (f.to_stdout_ && options.binary && !options.allow_terminal && ::isatty(STDOUT_FILENO)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "refusing to write binary data to a terminal; use -o FILE or a pipe");
  }
  if (!f.to_stdout_) {
    struct stat out_st {};
    if (::stat(path.c_str(), &out_st) == 0) {
      if (S_ISDIR(out_st.st_mode)) {
        return make_error(ErrorCode::kIo, f.name_ + ": is a directory");
      }
      for (const auto& in : options.inputs) {
        struct stat in_st {};
        if (in != "-" && ::stat(in.c_str(), &in_st) == 0 && in_st.st_dev == out_st.st_dev &&
            in_st.st_ino == out_st.st_ino) {
          return make_error(ErrorCode::kInvalidArgument,
                            f.name_ + ": output is the same file as input " + in.string() +
                                "; refusing to overwrite the input");
        }
      }
    }
  }
  // The temporary file lives beside the destination so that rename() is atomic; stdout output
  // is staged in TMPDIR so a failure never emits a partial stream.
  std::filesystem::path dir;
  std::string base;
  if (f.to_stdout_) {
    const char* tmp = std::getenv("TMPDIR");
    dir = tmp && *tmp ? tmp : "/tmp";
    base = "dcz-stdout";
  } else {
    dir = path.parent_path();
    if (dir.empty()) dir = ".";
    base = path.filename().string();
  }
  std::string templ = (dir / ("." + base + ".tmp-XXXXXX")).string();
  int fd = ::mkostemp(templ.data(), O_CLOEXEC);
  if (fd < 0) return io_error("cannot create a temporary file in " + dir.string(), f.name_);
  ::fchmod(fd, 0644);
  f.fd_ = fd;
  f.temp_path_ = templ;
  f.final_path_ = path;
  return f;
}

Status OutputFile::write(std::span<const std::uint8_t> bytes) {
  if (fd_ < 0) return make_error(ErrorCode::kIo, name_ + ": write after commit");
  DCZ_TRY(write_all_fd(fd_, bytes.data(), bytes.size(), name_));
  size_ += bytes.size();
  return Status::ok();
}

Status OutputFile::write(std::string_view bytes) {
  return write({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

Status OutputFile::write_at(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (fd_ < 0) return make_error(ErrorCode::kIo, name_ + ": write after commit");
  if (offset + bytes.size() > size_) {
    return make_error(ErrorCode::kInvalidArgument, name_ + ": patch past the written end");
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", name_);
    }
    done += static_cast<std::size_t>(w);
  }
  return Status::ok();
}

Status OutputFile::commit() {
  if (fd_ < 0) return make_error(ErrorCode::kIo, name_ + ": commit twice");
  if (to_stdout_) {
    if (::lseek(fd_, 0, SEEK_SET) != 0) return io_error("cannot rewind", name_);
    std::string all;
    DCZ_TRY(read_all_fd(fd_, all, name_));
    DCZ_TRY(write_all_fd(STDOUT_FILENO, reinterpret_cast<const std::uint8_t*>(all.data()),
                         all.size(), name_));
    discard();
    return Status::ok();
  }
  if (::fsync(fd_) != 0) return io_error("cannot flush", name_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return io_error("cannot close", name_);
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    return io_error("cannot rename the temporary file into place", name_);
  }
  temp_path_.clear();
  return Status::ok();
}

Result<std::string> read_text_file(const std::filesystem::path& path) {
  DCZ_ASSIGN_OR_RETURN(InputFile f, InputFile::open(path));
  return std::string(reinterpret_cast<const char*>(f.bytes().data()), f.bytes().size());
}

}  // namespace dcz
