// A minimal work queue: runs fn(item, worker) for item in [0, count) on up to `threads` threads
// (0: hardware concurrency), items handed out in order through an atomic counter. Results must
// not depend on which worker ran an item; the first exception is rethrown on the caller's thread.
#pragma once

#include <cstddef>
#include <functional>

namespace dcz::prune {

unsigned resolve_threads(unsigned threads);

void parallel_for(std::size_t count, unsigned threads,
                  const std::function<void(std::size_t item, unsigned worker)>& fn);

}  // namespace dcz::prune
