// One zstd decompression / compression context per thread, reused across calls: creating a
// context allocates and clears ~100 KiB-several MiB, which dominated decoding small tensors.
#pragma once

#include <zstd.h>

#include <memory>

namespace dcz {

inline ZSTD_DCtx* thread_dctx() {
  struct Free {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, Free> ctx(ZSTD_createDCtx());
  return ctx.get();
}

inline ZSTD_CCtx* thread_cctx() {
  struct Free {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_CCtx, Free> ctx(ZSTD_createCCtx());
  ZSTD_CCtx_reset(ctx.get(), ZSTD_reset_session_and_parameters);
  return ctx.get();
}

}  // namespace dcz
