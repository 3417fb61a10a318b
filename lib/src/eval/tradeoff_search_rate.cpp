// The rate-aware family: rate_quantize_model at λ = t (dcz/rate_quantize.h), then encoding.
#include "dcz/dead_units.h"
#include "dcz/rate_quantize.h"
#include "dcz/tradeoff_search.h"
#include "eval/tradeoff_search_family.h"

namespace dcz {

TradeoffFamily rate_tradeoff_family(const OnnxModel& model, const RateFamilyOptions& options) {
  auto lossy = [o = options](OnnxModel& m, double lambda) -> Status {
    RateQuantizeOptions q;
    q.lambda = lambda;
    q.selection = o.selection;
    q.sensitivity = o.sensitivity;
    q.threads = o.threads;
    DCZ_TRY(rate_quantize_model(m, q).status());
    return eliminate_dead_units(m, o.selection).status();  // exact, free bytes (dcz/dead_units.h)
  };
  return eval::make_tradeoff_family("lambda", 1e-10, 1e-4, 1e2, model, options.encode, options.threads, lossy);
}

}  // namespace dcz
