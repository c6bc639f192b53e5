// A CPU allocator that counts live native bytes, so JavaScript can see what V8 cannot:
// every tensor storage, autograd buffer and optimizer state libtorch allocates on the CPU.
#pragma once
#include <cstdint>

namespace adaptlab {

// Installs the counting allocator as libtorch's CPU allocator. Call once, before any tensor exists.
void installCountingAllocator();

int64_t nativeBytes();
int64_t peakNativeBytes();
void resetPeakNativeBytes();

}  // namespace adaptlab
