#include "allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <atomic>

namespace adaptlab {

namespace {
std::atomic<int64_t> g_bytes{0};
std::atomic<int64_t> g_peak{0};

// Each block carries its size in a header in front of the data. 64 bytes keep the data at
// libtorch's 64-byte alignment. Data pointer and context are the same pointer, which is what
// Allocator::raw_allocate requires.
constexpr size_t kHeader = 64;

void release(void* data) {
  if (data == nullptr) return;
  char* base = static_cast<char*>(data) - kHeader;
  g_bytes.fetch_sub(static_cast<int64_t>(*reinterpret_cast<size_t*>(base)));
  c10::free_cpu(base);
}

struct CountingAllocator final : public c10::Allocator {
  c10::DataPtr allocate(size_t nbytes) const override {
    void* base = c10::alloc_cpu(nbytes + kHeader);
    *static_cast<size_t*>(base) = nbytes;
    char* data = static_cast<char*>(base) + kHeader;
    int64_t now = g_bytes.fetch_add(static_cast<int64_t>(nbytes)) + static_cast<int64_t>(nbytes);
    int64_t peak = g_peak.load();
    while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
    }
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

CountingAllocator g_allocator;
}  // namespace

void installCountingAllocator() { c10::SetCPUAllocator(&g_allocator, /*priority=*/100); }

int64_t nativeBytes() { return g_bytes.load(); }
int64_t peakNativeBytes() { return g_peak.load(); }
void resetPeakNativeBytes() { g_peak.store(g_bytes.load()); }

}  // namespace adaptlab
