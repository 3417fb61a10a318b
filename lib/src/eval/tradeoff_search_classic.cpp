// The classic Deep Compression family: global magnitude pruning at sparsity 1 − 1/t, k-means
// weight sharing, encoding.
#include "dcz/prune.h"
#include "dcz/tradeoff_search.h"
#include "eval/tradeoff_search_family.h"

namespace dcz {

TradeoffFamily classic_tradeoff_family(const OnnxModel& model, const ClassicFamilyOptions& options) {
  auto lossy = [o = options](OnnxModel& m, double t, const std::vector<double>&) -> Status {
    if (!(t >= 1)) return make_error(ErrorCode::kInvalidArgument, "prune factor must be >= 1");
    DCZ_ASSIGN_OR_RETURN(std::vector<SelectedWeight> selected, select_weights(m, o.selection));
    PrunePolicy prune;
    prune.kind = PrunePolicy::Kind::kGlobalSparsity;
    prune.value = 1.0 - 1.0 / t;
    prune.normalize = o.normalize;
    prune.threads = o.threads;
    DCZ_TRY(prune_model(m, selected, prune).status());
    QuantizeOptions q = o.quantize;
    q.selection = o.selection;
    q.kmeans.threads = o.threads;
    return quantize_model(m, q).status();
  };
  return eval::make_tradeoff_family("prune factor", 1, 10, 1000, model, options.encode, options.threads, lossy);
}

}  // namespace dcz
