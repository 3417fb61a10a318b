// Formatting shared by the quantization reports (k-means and rate-aware): printf-style
// appending and the SQNR in dB, which JSON cannot hold as infinity for an exact tensor.
#pragma once

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace dcz::quantize {

inline std::string appendf(std::string s, const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return s + buf;
}

inline double sqnr_db(double signal, double sse) {
  return sse > 0.0 ? 10.0 * std::log10(signal / sse) : INFINITY;
}

// An exact tensor's SQNR is null.
inline nlohmann::ordered_json sqnr_json(double db) {
  return std::isfinite(db) ? nlohmann::ordered_json(db) : nlohmann::ordered_json(nullptr);
}

}  // namespace dcz::quantize
