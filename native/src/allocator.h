// A CPU allocator that counts live native bytes, so JavaScript can see what V8 cannot:
// every tensor storage, autograd buffer and optimizer state libtorch allocates on the CPU.
// Large freed blocks are kept for reuse (bounded), so training steps do not fault in fresh pages.
#pragma once
#include <cstddef>
#include <cstdint>

namespace adaptlab {

// Installs the counting allocator as libtorch's CPU allocator. Call once, before any tensor exists.
void installCountingAllocator();

int64_t nativeBytes();
int64_t peakNativeBytes();
void resetPeakNativeBytes();

// Bytes of freed blocks the allocator may keep for reuse (0: none); lowering it frees the excess.
void setBlockCacheLimit(size_t bytes);
// Bytes held in freed blocks, not counted in nativeBytes().
int64_t cachedBlockBytes();

}  // namespace adaptlab
