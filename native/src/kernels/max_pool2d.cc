// adaptlab::max_pool2d — the same operator as aten::max_pool2d (same schema, same values, same
// argmax indices, same backward), with a faster forward for the case training meets most: a
// contiguous float32 (N, C, H, W) tensor on the CPU. Everything else goes to aten::max_pool2d.
//
// Why: libtorch's CPU forward (MaxPoolKernel.cpp) picks each window's maximum with a data-dependent
// branch per element. On activations after a ReLU that branch is a coin toss, and the ResNet stem's
// 3x3/2 pool over 32 x 64 x 32 x 32 took 14 ms, about 6% of a ResNet-18 training step. Here the
// choice is a select (no branch), so the same pool takes a fraction of that.
//
// Exactness: the fold over a window is libtorch's: row-major order, starting from -inf with the
// window's first in-bounds index, and "take v if v > max or v is NaN". So the maximum is the first
// maximal element, or the last NaN; where every element is -inf the index stays the window's first.
// The backward is aten::max_pool2d_with_indices_backward given these indices: the gradient goes
// exactly where libtorch's would. test/native/kernels.test.ts checks values and indices bit for bit.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/library.h>

#include <cmath>
#include <limits>
#include <vector>

namespace adaptlab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Pool2d {
  int64_t kH, kW, sH, sW, pH, pW, dH, dW;
  bool ceil;
};

// libtorch's pooling_output_shape: floor (or ceil) division, and in ceil mode the last window must
// start inside the input or its left padding.
int64_t outputSize(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, bool ceil) {
  const int64_t span = in + 2 * pad - dilation * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Reads libtorch's int[2] convention: one value for both dimensions, or two.
bool pair(c10::IntArrayRef v, int64_t fallbackH, int64_t fallbackW, int64_t& h, int64_t& w) {
  if (v.empty()) {
    h = fallbackH;
    w = fallbackW;
    return true;
  }
  if (v.size() == 1) {
    h = w = v[0];
    return true;
  }
  if (v.size() == 2) {
    h = v[0];
    w = v[1];
    return true;
  }
  return false;
}

// The window parameters when the fast forward applies, else nothing (aten then checks the
// arguments and gives its own message for wrong ones).
c10::optional<Pool2d> fastPath(const at::Tensor& self, c10::IntArrayRef kernel, c10::IntArrayRef stride,
                               c10::IntArrayRef padding, c10::IntArrayRef dilation, bool ceil) {
  if (!self.device().is_cpu() || self.scalar_type() != at::kFloat || self.dim() != 4 || !self.is_contiguous() ||
      self.layout() != at::kStrided || self.numel() == 0) {
    return c10::nullopt;
  }
  Pool2d p{};
  p.ceil = ceil;
  if (kernel.empty() || !pair(kernel, 0, 0, p.kH, p.kW) || !pair(stride, p.kH, p.kW, p.sH, p.sW) ||
      !pair(padding, 0, 0, p.pH, p.pW) || !pair(dilation, 1, 1, p.dH, p.dW)) {
    return c10::nullopt;
  }
  if (p.kH <= 0 || p.kW <= 0 || p.sH <= 0 || p.sW <= 0 || p.dH <= 0 || p.dW <= 0 || p.pH < 0 || p.pW < 0 ||
      p.pH > p.kH / 2 || p.pW > p.kW / 2) {
    return c10::nullopt;
  }
  if (outputSize(self.size(2), p.kH, p.pH, p.sH, p.dH, ceil) < 1 ||
      outputSize(self.size(3), p.kW, p.pW, p.sW, p.dW, ceil) < 1 ||
      (self.size(2) + p.pH + p.kH * p.dH) * (self.size(3) + p.pW + p.kW * p.dW) > std::numeric_limits<int32_t>::max()) {
    return c10::nullopt;
  }
  return p;
}

// The plane's windows, all at once, on a copy of the plane with -inf around it (`padded`, rows of
// `Wp`, first input element at (pH, pW)): with the border made of -inf, which is never taken, every
// window is whole and folds the same elements in the same order as libtorch's clipped window.
// For each element of the window in row-major order, every output of a row takes it or keeps what
// it has: the outputs are independent lanes (no chain of compare-selects through one accumulator),
// so the inner loop vectorises.
template <int64_t kStride>
__attribute__((target_clones("avx2", "default"), optimize("O3"))) void foldPlane(
    const float* __restrict padded, int64_t Wp, const Pool2d& p, int64_t W, int64_t OH, int64_t OW,
    const int32_t* __restrict firstRow, const int32_t* __restrict firstCol, float* __restrict best,
    int32_t* __restrict bestIdx) {
  const int64_t sW = kStride > 0 ? kStride : p.sW;
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* __restrict b = best + oh * OW;
    int32_t* __restrict bi = bestIdx + oh * OW;
    for (int64_t ow = 0; ow < OW; ++ow) {
      b[ow] = -std::numeric_limits<float>::infinity();
      bi[ow] = firstRow[oh] * static_cast<int32_t>(W) + firstCol[ow];
    }
    for (int64_t kh = 0; kh < p.kH; ++kh) {
      const int64_t ih = oh * p.sH + kh * p.dH;  // row in `padded`
      for (int64_t kw = 0; kw < p.kW; ++kw) {
        const float* __restrict row = padded + ih * Wp + kw * p.dW;
        // input index of output column 0's element (int32: same width as the values, so one mask
        // selects both; planes over 2^31 elements take libtorch's path)
        const int32_t base = static_cast<int32_t>((ih - p.pH) * W + kw * p.dW - p.pW);
        for (int32_t ow = 0; ow < static_cast<int32_t>(OW); ++ow) {
          const float v = row[ow * sW];
          const bool take = (v > b[ow]) | (v != v);
          b[ow] = take ? v : b[ow];
          bi[ow] = take ? base + ow * static_cast<int32_t>(sW) : bi[ow];
        }
      }
    }
  }
}

// (N, C, H, W) float32 contiguous -> values (N, C, OH, OW) and int64 indices into each H x W plane.
std::tuple<at::Tensor, at::Tensor> forward(const at::Tensor& input, const Pool2d& p) {
  const int64_t planes = input.size(0) * input.size(1), H = input.size(2), W = input.size(3);
  const int64_t OH = outputSize(H, p.kH, p.pH, p.sH, p.dH, p.ceil);
  const int64_t OW = outputSize(W, p.kW, p.pW, p.sW, p.dW, p.ceil);
  at::Tensor out = at::empty({input.size(0), input.size(1), OH, OW}, input.options());
  at::Tensor idx = at::empty({input.size(0), input.size(1), OH, OW}, input.options().dtype(at::kLong));
  const float* in = input.data_ptr<float>();
  float* o = out.data_ptr<float>();
  int64_t* ix = idx.data_ptr<int64_t>();
  // The padded plane covers every window, including ceil mode's last ones past the input.
  const int64_t Hp = std::max(H + p.pH, (OH - 1) * p.sH + (p.kH - 1) * p.dH + 1);
  const int64_t Wp = std::max(W + p.pW, (OW - 1) * p.sW + (p.kW - 1) * p.dW + 1);
  // libtorch's index for a window with nothing above -inf: its first in-bounds row and column.
  std::vector<int32_t> firstRow(OH), firstCol(OW);
  for (int64_t oh = 0; oh < OH; ++oh) {
    int64_t ih0 = oh * p.sH - p.pH;
    while (ih0 < 0) ih0 += p.dH;
    firstRow[oh] = static_cast<int32_t>(ih0);
  }
  for (int64_t ow = 0; ow < OW; ++ow) {
    int64_t iw0 = ow * p.sW - p.pW;
    while (iw0 < 0) iw0 += p.dW;
    firstCol[ow] = static_cast<int32_t>(iw0);
  }
  // A plane is OH * OW windows of kH * kW reads; aim for tasks of ~32k reads.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, OH * OW * p.kH * p.kW));
  at::parallel_for(0, planes, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> padded(Hp * Wp, -std::numeric_limits<float>::infinity());
    std::vector<int32_t> bestIdx(OH * OW);
    for (int64_t plane = begin; plane < end; ++plane) {
      const float* src = in + plane * H * W;
      for (int64_t h = 0; h < H; ++h) std::copy(src + h * W, src + (h + 1) * W, padded.data() + (h + p.pH) * Wp + p.pW);
      float* dst = o + plane * OH * OW;
      int64_t* dstIdx = ix + plane * OH * OW;
      int32_t* bi = bestIdx.data();
      if (p.sW == 1) foldPlane<1>(padded.data(), Wp, p, W, OH, OW, firstRow.data(), firstCol.data(), dst, bi);
      else if (p.sW == 2) foldPlane<2>(padded.data(), Wp, p, W, OH, OW, firstRow.data(), firstCol.data(), dst, bi);
      else foldPlane<0>(padded.data(), Wp, p, W, OH, OW, firstRow.data(), firstCol.data(), dst, bi);
      std::copy(bi, bi + OH * OW, dstIdx);
    }
  });
  return {out, idx};
}

struct MaxPool2d : public torch::autograd::Function<MaxPool2d> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& self, std::vector<int64_t> kernel,
                            std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                            bool ceil, Pool2d p) {
    auto [out, idx] = adaptlab::forward(self, p);
    ctx->save_for_backward({self, idx});
    ctx->saved_data["kernel"] = kernel;
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["dilation"] = dilation;
    ctx->saved_data["ceil"] = ceil;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    at::Tensor gradInput = at::max_pool2d_with_indices_backward(
        grads[0], saved[0], ctx->saved_data["kernel"].toIntVector(), ctx->saved_data["stride"].toIntVector(),
        ctx->saved_data["padding"].toIntVector(), ctx->saved_data["dilation"].toIntVector(),
        ctx->saved_data["ceil"].toBool(), saved[1]);
    return {gradInput, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor maxPool2d(const at::Tensor& self, c10::IntArrayRef kernel, c10::IntArrayRef stride, c10::IntArrayRef padding,
                     c10::IntArrayRef dilation, bool ceil) {
  const auto p = fastPath(self, kernel, stride, padding, dilation, ceil);
  if (!p) return at::max_pool2d(self, kernel, stride, padding, dilation, ceil);
  return MaxPool2d::apply(self, kernel.vec(), stride.vec(), padding.vec(), dilation.vec(), ceil, *p);
}

// Values and indices, as aten::max_pool2d_with_indices: what the tests compare bit for bit.
std::tuple<at::Tensor, at::Tensor> maxPool2dWithIndices(const at::Tensor& self, c10::IntArrayRef kernel,
                                                        c10::IntArrayRef stride, c10::IntArrayRef padding,
                                                        c10::IntArrayRef dilation, bool ceil) {
  const auto p = fastPath(self, kernel, stride, padding, dilation, ceil);
  if (!p) return at::max_pool2d_with_indices(self, kernel, stride, padding, dilation, ceil);
  at::NoGradGuard noGrad;
  return adaptlab::forward(self, *p);
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(adaptlab, m) {
  m.def("max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, "
        "bool ceil_mode=False) -> Tensor",
        &maxPool2d);
  m.def("max_pool2d_with_indices(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, "
        "int[2] dilation=1, bool ceil_mode=False) -> (Tensor, Tensor)",
        &maxPool2dWithIndices);
}

}  // namespace adaptlab
