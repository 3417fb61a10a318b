#include "eval/tradeoff_search_family.h"

#include <cstdio>
#include <memory>

namespace dcz::eval {

TradeoffFamily make_tradeoff_family(std::string parameter, double t_min, double t_start, double t_max,
                                    const OnnxModel& reference, const EncodeOptions& encode, unsigned threads,
                                    std::function<Status(OnnxModel&, double)> lossy) {
  TradeoffFamily family;
  family.parameter = std::move(parameter);
  family.t_min = t_min;
  family.t_start = t_start;
  family.t_max = t_max;
  // Serialized once; each candidate parses its own copy (OnnxModel has no copy constructor).
  auto base = std::make_shared<Result<std::string>>(reference.serialize());
  EncodeOptions e = encode;
  e.threads = threads;
  family.build = [base, e, name = family.parameter, lossy = std::move(lossy)](double t) -> Result<TradeoffCandidate> {
    if (!*base) return base->status();
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>((*base)->data()), (*base)->size());
    DCZ_ASSIGN_OR_RETURN(OnnxModel model, OnnxModel::parse(bytes, {}, "candidate"));
    DCZ_TRY(lossy(model, t));
    DCZ_ASSIGN_OR_RETURN(std::vector<std::uint8_t> encoded, encode_model(model, e));
    // What gets evaluated is what the file holds: the decoded model, not the one encoded (the
    // codec is lossless, so they are equal unless the codec has a bug, which then shows here).
    char source[96];
    std::snprintf(source, sizeof source, "the candidate at %s %.6g", name.c_str(), t);
    DCZ_ASSIGN_OR_RETURN(OnnxModel decoded, decode_model(encoded, source));
    return TradeoffCandidate{std::move(decoded), std::move(encoded)};
  };
  return family;
}

}  // namespace dcz::eval
