#include "allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <atomic>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace adaptlab {

namespace {
std::atomic<int64_t> g_bytes{0};
std::atomic<int64_t> g_peak{0};

// Each block carries its size in a header in front of the data: the bytes asked for, then the
// bytes the block really has (its size class). 64 bytes keep the data at libtorch's 64-byte
// alignment. Data pointer and context are the same pointer, which is what
// Allocator::raw_allocate requires.
constexpr size_t kHeader = 64;
struct Header {
  size_t requested;
  size_t capacity;
};

// ---- the block cache ---------------------------------------------------------------------------
//
// A training step allocates the same activations, gradients and optimizer temporaries every step.
// Freed to glibc, a large block goes back to the kernel (malloc serves it by mmap), and the next
// step's block is fresh memory the kernel must fault in and zero page by page: measured 14,000
// page faults per ResNet-18 step, about a fifth of the CPU time a step spends. Kept here and
// handed out again for the same size class, a block costs a lookup.
//
// Size classes: small blocks pass straight to malloc (they come from its heap without faults);
// larger ones round up to an eighth of their power of two (at most 12.5% slack), so sequences of
// slightly different lengths share blocks. Bounded: past the limit the least recently freed blocks
// go back to the system; limit 0 turns caching off.
constexpr size_t kMinCached = 64 * 1024;

size_t sizeClass(size_t n) {
  if (n < kMinCached) return n;
  size_t pow2 = size_t{1} << (63 - __builtin_clzll(n));  // largest power of two <= n
  size_t step = pow2 / 8;
  return (n + step - 1) / step * step;
}

class BlockCache {
 public:
  // A block of `capacity` bytes (header included), or nullptr.
  void* take(size_t capacity) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = bySize_.find(capacity);
    if (it == bySize_.end() || it->second.empty()) return nullptr;
    auto entry = it->second.back();  // the most recently freed: warmest in cache
    it->second.pop_back();
    void* base = entry->second;
    recent_.erase(entry);
    cached_ -= capacity;
    return base;
  }

  // Keeps the block, or frees it when caching is off; evicts the least recently freed past the limit.
  void give(void* base, size_t capacity) {
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (capacity > limit_) {
        evicted.push_back(base);
      } else {
        recent_.emplace_front(capacity, base);
        bySize_[capacity].push_back(recent_.begin());
        cached_ += capacity;
        while (cached_ > limit_) evicted.push_back(evictOldest());
      }
    }
    for (void* p : evicted) c10::free_cpu(p);
  }

  void setLimit(size_t limit) {
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      limit_ = limit;
      while (cached_ > limit_) evicted.push_back(evictOldest());
    }
    for (void* p : evicted) c10::free_cpu(p);
  }

  size_t cachedBytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return cached_;
  }

 private:
  // Caller holds mu_. The oldest of a size class is the first in its list (they are appended in order).
  void* evictOldest() {
    auto [capacity, base] = recent_.back();
    auto& same = bySize_[capacity];
    same.erase(same.begin());
    recent_.pop_back();
    cached_ -= capacity;
    return base;
  }

  using Entry = std::list<std::pair<size_t, void*>>::iterator;
  std::mutex mu_;
  std::list<std::pair<size_t, void*>> recent_;  // (capacity, block), most recently freed first
  std::unordered_map<size_t, std::vector<Entry>> bySize_;
  size_t cached_ = 0;
  size_t limit_ = 0;
};

BlockCache g_cache;

void release(void* data) {
  if (data == nullptr) return;
  char* base = static_cast<char*>(data) - kHeader;
  const Header header = *reinterpret_cast<Header*>(base);
  g_bytes.fetch_sub(static_cast<int64_t>(header.requested));
  if (header.capacity - kHeader >= kMinCached) {
    g_cache.give(base, header.capacity);
  } else {
    c10::free_cpu(base);
  }
}

struct CountingAllocator final : public c10::Allocator {
  c10::DataPtr allocate(size_t nbytes) const override {
    const size_t capacity = sizeClass(nbytes) + kHeader;
    void* base = capacity - kHeader >= kMinCached ? g_cache.take(capacity) : nullptr;
    if (base == nullptr) base = c10::alloc_cpu(capacity);
    *static_cast<Header*>(base) = {nbytes, capacity};
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

void setBlockCacheLimit(size_t bytes) { g_cache.setLimit(bytes); }
int64_t cachedBlockBytes() { return static_cast<int64_t>(g_cache.cachedBytes()); }

}  // namespace adaptlab
