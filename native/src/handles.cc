#include "handles.h"

namespace adaptlab {

namespace {
std::atomic<int64_t> g_live{0};

void finalizeTensor(Napi::Env, TensorBox* box) {
  if (!box->freed) g_live.fetch_sub(1);
  delete box;
}

void finalizeOp(Napi::Env, OpBox* box) { delete box; }

template <typename Box>
Box* boxOf(const Napi::Value& value) {
  if (!value.IsExternal()) return nullptr;
  auto* box = value.As<Napi::External<Box>>().Data();
  return box != nullptr && box->magic == Box::kMagic ? box : nullptr;
}
}  // namespace

int64_t liveHandles() { return g_live.load(); }

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  auto* box = new TensorBox();
  box->tensor = std::move(tensor);
  g_live.fetch_add(1);
  return Napi::External<TensorBox>::New(env, box, finalizeTensor);
}

at::Tensor& unwrapTensor(const Napi::Value& value, const char* what) {
  TensorBox* box = boxOf<TensorBox>(value);
  if (box == nullptr) {
    throw Napi::TypeError::New(value.Env(), std::string("expected a tensor handle for ") + what);
  }
  if (box->freed) {
    throw Napi::TypeError::New(value.Env(), std::string("tensor passed as ") + what + " was already disposed");
  }
  return box->tensor;
}

bool freeTensor(const Napi::Value& value) {
  TensorBox* box = boxOf<TensorBox>(value);
  if (box == nullptr || box->freed) return false;
  box->tensor.reset();
  box->freed = true;
  g_live.fetch_sub(1);
  return true;
}

Napi::Value wrapOp(Napi::Env env, c10::OperatorHandle handle, std::string name) {
  auto* box = new OpBox{OpBox::kMagic, std::move(handle), std::move(name)};
  return Napi::External<OpBox>::New(env, box, finalizeOp);
}

OpBox& unwrapOp(const Napi::Value& value) {
  OpBox* box = boxOf<OpBox>(value);
  if (box == nullptr) throw Napi::TypeError::New(value.Env(), "expected an operator handle from op()");
  return *box;
}

}  // namespace adaptlab
