#include "eval/npy.h"

#include <cstring>
#include <limits>

namespace dcz::eval {

namespace {

Status npy_error(std::string_view name, std::string what) {
  return make_error(ErrorCode::kBadDataset, std::string(name) + ": .npy " + what);
}

// The value text after "'key':" in the header dict, up to the matching delimiter.
bool find_value(std::string_view header, std::string_view key, std::string_view& value) {
  std::string quoted = "'" + std::string(key) + "'";
  std::size_t at = header.find(quoted);
  if (at == std::string_view::npos) return false;
  std::size_t colon = header.find(':', at + quoted.size());
  if (colon == std::string_view::npos) return false;
  std::size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string_view::npos) return false;
  char open = header[start];
  std::size_t end;
  if (open == '\'') {
    end = header.find('\'', start + 1);
    if (end == std::string_view::npos) return false;
    value = header.substr(start + 1, end - start - 1);
  } else if (open == '(') {
    end = header.find(')', start + 1);
    if (end == std::string_view::npos) return false;
    value = header.substr(start + 1, end - start - 1);
  } else {
    end = header.find_first_of(",}", start);
    if (end == std::string_view::npos) return false;
    value = header.substr(start, end - start);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  }
  return true;
}

// "10000, 1, 28, 28" or "10000," or "" into dims; false on anything else.
bool parse_shape(std::string_view text, std::vector<std::int64_t>& shape) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i == text.size()) break;
    std::int64_t v = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (v > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return false;
      v = v * 10 + (text[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0) return false;
    if (i < text.size() && text[i] == 'L') ++i;  // Python 2 longs
    shape.push_back(v);
  }
  return true;
}

std::size_t item_size_of(std::string_view descr) {
  if (descr == "|u1" || descr == "<u1" || descr == "|i1" || descr == "<i1" || descr == "|b1") return 1;
  if (descr == "<i2" || descr == "<u2") return 2;
  if (descr == "<f4" || descr == "<i4" || descr == "<u4") return 4;
  if (descr == "<f8" || descr == "<i8" || descr == "<u8") return 8;
  return 0;
}

std::string header_for(std::string_view descr, const std::vector<std::int64_t>& shape) {
  std::string dict = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (i + 1 < shape.size() || shape.size() == 1) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  // Magic (6) + version (2) + length (2) + dict + padding + '\n', a multiple of 64 bytes.
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

template <class T>
std::string npy_of(std::string_view descr, std::span<const T> values,
                   const std::vector<std::int64_t>& shape) {
  std::string out = header_for(descr, shape);
  std::size_t at = out.size();
  out.resize(at + values.size_bytes());
  std::memcpy(out.data() + at, values.data(), values.size_bytes());  // little-endian host
  return out;
}

}  // namespace

std::uint64_t NpyView::element_count() const {
  std::uint64_t n = 1;
  for (std::int64_t d : shape) n *= static_cast<std::uint64_t>(d);
  return n;
}

Result<NpyView> parse_npy(std::span<const std::uint8_t> bytes, std::string_view name) {
  static constexpr char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) {
    return npy_error(name, "magic \\x93NUMPY missing at byte 0");
  }
  std::uint8_t major = bytes[6];
  std::size_t header_len = 0, header_at = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    header_at = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return npy_error(name, "truncated header length at byte 8");
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (std::size_t{bytes[11]} << 24);
    header_at = 12;
  } else {
    return npy_error(name, "format version " + std::to_string(major) + " at byte 6 is not supported");
  }
  if (header_len > bytes.size() - header_at) {
    return npy_error(name, "header of " + std::to_string(header_len) + " bytes runs past the end of the file");
  }
  std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_at), header_len);
  NpyView view;
  std::string_view descr, fortran, shape;
  if (!find_value(header, "descr", descr) || !find_value(header, "fortran_order", fortran) ||
      !find_value(header, "shape", shape)) {
    return npy_error(name, "header at byte " + std::to_string(header_at) +
                               " lacks 'descr', 'fortran_order' or 'shape'");
  }
  if (fortran != "False") return npy_error(name, "array is in Fortran order; only C order is supported");
  view.descr = std::string(descr);
  view.item_size = item_size_of(descr);
  if (view.item_size == 0) {
    return npy_error(name, "dtype '" + view.descr + "' is not supported (little-endian numbers only)");
  }
  if (!parse_shape(shape, view.shape)) return npy_error(name, "shape '(" + std::string(shape) + ")' does not parse");
  std::uint64_t count = 1;
  for (std::int64_t d : view.shape) {
    if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d)) {
      return npy_error(name, "shape overflows");
    }
    count *= static_cast<std::uint64_t>(d);
  }
  std::size_t data_at = header_at + header_len;
  std::uint64_t have = bytes.size() - data_at;
  if (count > have / view.item_size || count * view.item_size != have) {
    return npy_error(name, "shape needs " + std::to_string(count) + " × " + std::to_string(view.item_size) +
                               " bytes of data from byte " + std::to_string(data_at) + " but the file has " +
                               std::to_string(have));
  }
  view.data = bytes.subspan(data_at);
  return view;
}

std::string npy_float32(std::span<const float> values, const std::vector<std::int64_t>& shape) {
  return npy_of("<f4", values, shape);
}

std::string npy_int64(std::span<const std::int64_t> values, const std::vector<std::int64_t>& shape) {
  return npy_of("<i8", values, shape);
}

}  // namespace dcz::eval
