// adaptlab::dropout — aten::dropout in training (libtorch's _dropout_impl: a Bernoulli(1 - p) mask,
// divided by 1 - p, times the input), with the mask drawn by a faster loop over the same random
// stream: the same mask, and the default CPU generator left in the same state, as aten's.
//
// Why: libtorch's CPU bernoulli_(p) (no MKL) calls the generator once per element through a
// serial TensorIterator loop; on BERT-mini training it took ~150 ms of a ~900 ms step. Here the
// generator's state is twisted and its words tempered in blocks by vectorised loops, and the
// comparison is done on integers.
//
// The stream, as libtorch built without MKL (Debian's) draws it for each element
// (CPUGeneratorImpl::random64 and bernoulli_distribution<double>): two words w1, w2 of the mt19937
// engine; v = the low 53 bits of (w1 << 32 | w2); keep (1.0) when v * 2^-53 < 1 - p, else 0.0.
// test/tensor/dropout.test.ts checks the mask and the generator state after it against aten's own
// bernoulli_ bit for bit. A libtorch with MKL draws masks another way; there aten's dropout runs.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/MT19937RNGEngine.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace adaptlab {
namespace {

// mt19937's output function: what the engine applies to each state word it hands out.
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
void temper(const uint32_t* __restrict state, uint32_t* __restrict out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t y = state[i];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    out[i] = y;
  }
}

// mt19937's state transition (the engine's next_state): each word from itself, its successor and
// the word 397 ahead (wrapping). Written as two loops whose reads never overtake their writes,
// so both vectorise.
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
void twist(uint32_t* s) {
  constexpr int N = 624, M = 397;
  auto mix = [](uint32_t u, uint32_t v) {
    return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
  };
  for (int j = 0; j < N - M; ++j) s[j] = s[j + M] ^ mix(s[j], s[j + 1]);
  for (int j = N - M; j < N - 1; ++j) s[j] = s[j + M - N] ^ mix(s[j], s[j + 1]);
  s[N - 1] = s[M - 1] ^ mix(s[N - 1], s[0]);
}

// The next n words of `engine`, as n calls of engine() would give them, leaving it where they would.
// engine() steps `left_` down before each word and twists when it reaches 0, then hands out
// state[0] with left_ = 624; here left_ = 625 after a twist, so that every word steps it down.
void drawWords(at::mt19937& engine, uint32_t* out, int64_t n) {
  at::mt19937_data_pod pod = engine.data();
  while (n > 0) {
    if (pod.left_ <= 1) {
      twist(pod.state_.data());
      pod.left_ = static_cast<int>(pod.state_.size()) + 1;
      pod.next_ = 0;
    }
    const int64_t k = std::min<int64_t>(n, pod.left_ - 1);
    temper(pod.state_.data() + pod.next_, out, k);
    pod.next_ += static_cast<uint32_t>(k);
    pod.left_ -= static_cast<int>(k);
    out += k;
    n -= k;
  }
  engine.set_data(pod);
}

// keep[i] = 1.0f where the pair (words[2i], words[2i+1]) falls below `threshold` (see below), else 0.
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
void pairsBelow(const uint32_t* __restrict words, float* __restrict keep, int64_t n, int64_t threshold) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = (static_cast<int64_t>(words[2 * i] & 0x1fffffu) << 32) | words[2 * i + 1];
    keep[i] = v < threshold ? 1.0f : 0.0f;
  }
}

// Fills the contiguous float tensor `mask` with Bernoulli(prob) draws from the default CPU generator.
void bernoulliFill(at::Tensor& mask, double prob) {
  // v * 2^-53 < prob  <=>  v < prob * 2^53 (exact: v has 53 bits, the scaling is by a power of two)
  // <=>  v < threshold, threshold = prob * 2^53 rounded up to an integer.
  const double scaled = std::ldexp(prob, 53);
  const int64_t threshold = static_cast<int64_t>(std::ceil(scaled));
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  auto* impl = gen.get<at::CPUGeneratorImpl>();
  std::lock_guard<std::mutex> lock(gen.mutex());
  at::mt19937 engine = impl->engine();
  float* out = mask.data_ptr<float>();
  constexpr int64_t kBlock = 4096;  // elements per block: 32 KB of words, in cache
  std::vector<uint32_t> words(2 * kBlock);
  for (int64_t done = 0, n = mask.numel(); done < n; done += kBlock) {
    const int64_t m = std::min(kBlock, n - done);
    drawWords(engine, words.data(), 2 * m);
    pairsBelow(words.data(), out + done, m, threshold);
  }
  impl->set_engine(engine);
}

at::Tensor dropout(const at::Tensor& input, double p, bool train) {
  // A libtorch built with MKL draws CPU Bernoulli masks with MKL's own generator (seeded from the
  // default one): another stream, which this kernel does not reproduce, so such builds keep aten's.
  const bool fast = train && p > 0 && p < 1 && input.numel() > 0 && input.device().is_cpu() &&
                    input.scalar_type() == at::kFloat && input.layout() == at::kStrided && !at::hasMKL();
  if (!fast) return at::dropout(input, p, train);
  // libtorch's _dropout_impl with its bernoulli_ replaced: the mask carries no gradient, and the
  // product is the one autograd differentiates, as in aten's composite dropout.
  at::Tensor noise = at::empty_like(input, at::MemoryFormat::Contiguous);
  {
    at::NoGradGuard noGrad;
    bernoulliFill(noise, 1 - p);
    noise.div_(1 - p);
  }
  return at::mul(input, noise);
}

// The mask alone, as aten's Tensor.bernoulli_(p) on a float tensor: what the tests compare.
at::Tensor bernoulliMask(const at::Tensor& like, double p) {
  at::Tensor mask = at::empty_like(like, at::MemoryFormat::Contiguous);
  if (at::hasMKL()) return mask.bernoulli_(p);
  bernoulliFill(mask, p);
  return mask;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(adaptlab, m) {
  m.def("dropout(Tensor input, float p, bool train) -> Tensor", &dropout);
  m.def("bernoulli_mask(Tensor like, float p) -> Tensor", &bernoulliMask);
}

}  // namespace adaptlab
