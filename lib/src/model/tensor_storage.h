// Storage for a decoded tensor: the std::string that becomes its TensorProto.raw_data, sized
// without being written, so that the decoder's own writes are the only pass over the bytes.
#pragma once

#include <cstddef>
#include <string>

namespace dcz::model_internal {

// Tensors of at least this many bytes get huge-page backed storage (see resize_for_overwrite).
inline constexpr std::size_t kHugePageStorageBytes = std::size_t{4} << 20;

// Makes `s` n bytes long; their values are unspecified and the caller must write every one.
// Throws what std::string's allocation throws (std::bad_alloc, std::length_error). From
// kHugePageStorageBytes on, asks Linux to back the 2 MiB-aligned inside of the buffer with
// transparent huge pages: on fresh memory (a process loading a model) each 2 MiB then costs one
// page fault instead of 512, which made first writes to 400 MB 4.5x faster here (THP in
// "madvise" mode, 4 KiB pages otherwise). Without the hint, or where the kernel refuses it, the
// storage is the same, on small pages. The cost it can add (measured on a KVM guest with free
// page reporting): huge pages the hypervisor has taken back are slow to fault in again — after
// 6 s idle, first writes to 400 MB took 3-4.5 s on huge pages against 1.1 s on small ones.
void resize_for_overwrite(std::string& s, std::size_t n);

}  // namespace dcz::model_internal
