// Handles: how a libtorch tensor or operator crosses into JavaScript.
//
// A tensor handle is a Napi::External owning a heap TensorBox. JavaScript frees it explicitly
// (free()); the External's finalizer is only a safety net for handles the program forgot.
#pragma once
#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <napi.h>

#include <atomic>
#include <cstdint>

namespace adaptlab {

struct TensorBox {
  static constexpr uint32_t kMagic = 0x7e450b0c;
  uint32_t magic = kMagic;
  bool freed = false;
  at::Tensor tensor;
};

struct OpBox {
  static constexpr uint32_t kMagic = 0x0b5e55ed;
  uint32_t magic = kMagic;
  c10::OperatorHandle handle;
  std::string name;  // "aten::add.Tensor", for error messages
};

// Number of tensor handles that have not been freed (explicitly or by the finalizer).
int64_t liveHandles();

// Wraps a tensor into a new handle. An undefined tensor becomes null.
Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);

// The tensor behind a handle; throws a JS TypeError for non-handles and disposed handles.
at::Tensor& unwrapTensor(const Napi::Value& value, const char* what);

// Explicit release; idempotent. Returns true if this call released it.
bool freeTensor(const Napi::Value& value);

Napi::Value wrapOp(Napi::Env env, c10::OperatorHandle handle, std::string name);
OpBox& unwrapOp(const Napi::Value& value);

}  // namespace adaptlab
