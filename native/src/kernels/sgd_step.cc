// adaptlab::sgd_step_ — one SGD update of a list of parameters in a single pass over memory,
// with exactly the arithmetic of PyTorch's SGD written in aten operators (src/optim/sgd.ts):
//
//   d   = grad + weight_decay * p          aten::add(grad, p, alpha)      -> fma(p, wd, grad)
//   buf = d              (first update)    clone
//   buf = momentum * buf + d               mul_(momentum), add_(d)         -> (buf * m) + d, two roundings
//   d   = nesterov ? d + momentum * buf : buf                              -> fma(buf, m, d)
//   p   = p - lr * d                       p.add_(d, alpha=-lr)            -> fma(d, -lr, p)
//
// libtorch's CPU add with alpha computes fma(other, alpha, self) on every element when its kernels
// run with AVX2 or AVX-512 (Vectorized::fmadd; the scalar remainder is contracted to an fma in the
// same build), with alpha rounded to float first. The fused pass does the same, so parameters and
// buffers come out bit for bit as from the aten sequence (test/optim/oracle.test.ts compares the
// two paths). Where that cannot be vouched for (another dtype, a non-contiguous tensor, a device
// other than the CPU, libtorch kernels below AVX2) the aten sequence itself runs, in list operators.
//
// Why: the aten sequence reads and writes the parameters' size 11 times over (45 MB each for
// ResNet-18); the fused pass reads three and writes two.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/library.h>

#include <cmath>
#include <string>
#include <vector>

namespace adaptlab {
namespace {

struct Update {
  float lr, weightDecay, momentum;
  bool nesterov, first;
};

// p, g, buf: the elements [begin, end) of one parameter, its gradient and its momentum buffer.
// One instance per combination of the flags, so each inner loop is straight-line and vectorises.
// The addon is compiled with -ffp-contract=off: the only fmas are the ones written here.
template <bool kDecay, bool kMomentum, bool kFirst, bool kNesterov>
#if defined(__x86_64__)
__attribute__((target("avx2,fma"), optimize("O3")))
#endif
void fusedRange(float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t begin, int64_t end,
                const Update& u) {
  const float negLr = -u.lr, wd = u.weightDecay, m = u.momentum;
  for (int64_t i = begin; i < end; ++i) {
    const float d = kDecay ? std::fma(p[i], wd, g[i]) : g[i];
    float step = d;
    if (kMomentum) {
      const float b = kFirst ? d : buf[i] * m + d;  // two roundings, as aten's mul_ then add_
      buf[i] = b;
      step = kNesterov ? std::fma(b, m, d) : b;
    }
    p[i] = std::fma(step, negLr, p[i]);
  }
}

using RangeFn = void (*)(float*, const float*, float*, int64_t, int64_t, const Update&);

RangeFn pickRange(const Update& u) {
  const bool decay = u.weightDecay != 0.0f;
  if (u.momentum == 0.0f) return decay ? fusedRange<true, false, false, false> : fusedRange<false, false, false, false>;
  static const RangeFn table[2][2][2] = {
      {{fusedRange<false, true, false, false>, fusedRange<false, true, false, true>},
       {fusedRange<false, true, true, false>, fusedRange<false, true, true, true>}},
      {{fusedRange<true, true, false, false>, fusedRange<true, true, false, true>},
       {fusedRange<true, true, true, false>, fusedRange<true, true, true, true>}},
  };
  return table[decay][u.first][u.nesterov];
}

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor* buf) {
  auto ok = [&](const at::Tensor& t) {
    return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.layout() == at::kStrided && t.is_contiguous() &&
           t.numel() == p.numel();
  };
  return ok(p) && ok(g) && (buf == nullptr || ok(*buf));
}

// The kernels libtorch picked for this process (its CPU capability honours ATEN_CPU_CAPABILITY).
// libtorch exports the choice only in its configuration text: "CPU capability usage: AVX2".
bool libtorchUsesFma() {
  static const bool uses = [] {
    const std::string config = at::show_config();
    const auto at = config.find("CPU capability usage: ");
    if (at == std::string::npos) return false;
    const std::string capability = config.substr(at + 22, config.find('\n', at) - at - 22);
    return capability == "AVX2" || capability == "AVX512";
  }();
  return uses;
}

// The same update in aten's list operators, for what the fused pass does not take: on a GPU these
// are libtorch's multi-tensor kernels, on the CPU its per-tensor ones.
void atenUpdate(std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads, std::vector<at::Tensor>& buffers,
                double lr, double wd, double m, bool nesterov, bool first) {
  std::vector<at::Tensor> d = wd != 0 ? at::_foreach_add(grads, params, wd) : grads;
  if (m != 0) {
    if (first) {
      for (size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(d[i]);
    } else {
      at::_foreach_mul_(buffers, m);
      at::_foreach_add_(buffers, d, 1);
    }
    d = nesterov ? at::_foreach_add(d, buffers, m) : buffers;
  }
  at::_foreach_add_(params, d, -lr);
}

void sgdStep(at::TensorList params, at::TensorList grads, at::TensorList buffers, double lr, double weightDecay,
             double momentum, bool nesterov, bool first) {
  TORCH_CHECK(grads.size() == params.size(), "sgd_step_: ", params.size(), " parameters but ", grads.size(), " gradients");
  TORCH_CHECK(momentum == 0 ? buffers.empty() : buffers.size() == params.size(), "sgd_step_: ", buffers.size(),
              " momentum buffers for ", params.size(), " parameters with momentum ", momentum);
  at::NoGradGuard noGrad;
  const bool fma = libtorchUsesFma();
  const Update u{static_cast<float>(lr), static_cast<float>(weightDecay), static_cast<float>(momentum), nesterov, first};
  const RangeFn range = pickRange(u);
  std::vector<at::Tensor> restParams, restGrads, restBuffers;
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor p = params[i];
    const at::Tensor* buf = buffers.empty() ? nullptr : &buffers[i];
    if (!fma || !fusable(p, grads[i], buf)) {
      restParams.push_back(p);
      restGrads.push_back(grads[i]);
      if (buf) restBuffers.push_back(*buf);
      continue;
    }
    float* pData = p.data_ptr<float>();
    const float* gData = grads[i].data_ptr<float>();
    float* bData = buf ? buf->data_ptr<float>() : nullptr;
    at::parallel_for(0, p.numel(), 32768, [&](int64_t begin, int64_t end) { range(pData, gData, bData, begin, end, u); });
    // Written through raw pointers: tell autograd the tensors changed, as an in-place op would.
    p.unsafeGetTensorImpl()->bump_version();
    if (buf) buf->unsafeGetTensorImpl()->bump_version();
  }
  if (!restParams.empty()) atenUpdate(restParams, restGrads, restBuffers, lr, weightDecay, momentum, nesterov, first);
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(adaptlab, m) {
  m.def("sgd_step_(Tensor(a!)[] params, Tensor[] grads, Tensor(b!)[] momentum_buffers, float lr, float weight_decay, "
        "float momentum, bool nesterov, bool first) -> ()",
        &sgdStep);
}

}  // namespace adaptlab
