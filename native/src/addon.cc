// adaptlab's libtorch shim: handles in, handles out, one error boundary, no policy.
//
// Operators are reached generically: op("aten::conv2d", "") finds the operator in libtorch's
// dispatcher once, and call(op, args) converts the JS arguments by the operator's schema and runs
// it through the dispatcher (autograd included). Adding an operator needs no C++.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/generated/variable_factories.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <dlfcn.h>
#include <napi.h>

#include <cstring>

#include "allocator.h"
#include "convert.h"
#include "errors.h"
#include "handles.h"

namespace adaptlab {

namespace {

// V8 cannot see native memory; tell it how much we hold, so that its GC runs the finalizers of
// tensors a program forgot to dispose. Called on the JS thread after anything that may allocate.
//
// While JS holds a tidy scope open, reports wait: every tensor made inside is referenced by the
// scope (no GC could free it) and disposed when the scope closes. Reporting each training step's
// transient activations instead made V8 run a full mark-compact several times per step (83 during
// one BERT-mini benchmark), on the cores the training threads need. Closing the outermost scope
// reports what is left.
int64_t g_reportedBytes = 0;
bool g_reportsDeferred = false;
void reportExternalMemory(Napi::Env env) {
  if (g_reportsDeferred) return;
  int64_t now = nativeBytes();
  if (now != g_reportedBytes) {
    Napi::MemoryManagement::AdjustExternalMemory(env, now - g_reportedBytes);
    g_reportedBytes = now;
  }
}

std::vector<std::string> inputList(const Napi::Array& args) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < args.Length(); ++i) out.push_back(describe(args.Get(i)));
  return out;
}

std::vector<int64_t> toShape(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(what) + ": shape must be an array of integers");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw Napi::TypeError::New(value.Env(), std::string(what) + ": shape entries must be non-negative integers, got " + describe(v));
    }
    shape[i] = static_cast<int64_t>(d);
  }
  return shape;
}

Napi::Array shapeArray(Napi::Env env, c10::IntArrayRef sizes) {
  Napi::Array out = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) out.Set(i, Napi::Number::New(env, static_cast<double>(sizes[i])));
  return out;
}

// ---- operators -------------------------------------------------------------------------------

Napi::Value Op(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle.has_value()) {
    throw Napi::Error::New(env, "libtorch has no operator " + name + (overload.empty() ? "" : "." + overload) +
                                    " (check the name and overload against the aten schema)");
  }
  return wrapOp(env, *handle, overload.empty() ? name : name + "." + overload);
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  std::ostringstream out;
  out << unwrapOp(info[0]).handle.schema();
  return Napi::String::New(info.Env(), out.str());
}

// call(op, args[, discardResult]) -> result | [results...] | null
Napi::Value Call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpBox& op = unwrapOp(info[0]);
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, op.name + ": arguments must be an array");
  Napi::Array args = info[1].As<Napi::Array>();
  const bool discard = info.Length() > 2 && info[2].ToBoolean().Value();
  const c10::FunctionSchema& schema = op.handle.schema();
  const auto& formals = schema.arguments();
  if (args.Length() > formals.size()) {
    throw torchError(env, op.name, inputList(args),
                     "too many arguments: the schema takes " + std::to_string(formals.size()));
  }
  torch::jit::Stack stack;
  stack.reserve(formals.size());
  try {
    for (size_t i = 0; i < formals.size(); ++i) {
      Napi::Value v = i < args.Length() ? args.Get(static_cast<uint32_t>(i)) : env.Undefined();
      if (v.IsUndefined()) {
        if (formals[i].default_value().has_value()) {
          stack.push_back(*formals[i].default_value());
          continue;
        }
        if (formals[i].type()->kind() == c10::TypeKind::OptionalType) {
          stack.emplace_back();
          continue;
        }
        throw Napi::TypeError::New(env, "missing argument '" + formals[i].name() + "'");
      }
      stack.push_back(toIValue(v, formals[i]));
    }
    op.handle.callBoxed(&stack);
  } catch (const Napi::Error& e) {
    throw torchError(env, op.name, inputList(args), e.Message());
  } catch (const std::exception& e) {
    throw torchError(env, op.name, inputList(args), cleanNativeMessage(e.what()));
  }
  reportExternalMemory(env);
  if (discard || stack.empty()) return env.Null();
  if (stack.size() == 1) return fromIValue(env, stack[0]);
  Napi::Array out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); ++i) out.Set(i, fromIValue(env, stack[i]));
  return out;
}

// ---- tensors and bytes -----------------------------------------------------------------------

// fromBuffer(bytes: ArrayBufferView, shape: number[], dtype: ScalarType code, device?: string)
//   -> handle (a copy; filled on the host, then moved to `device` when one other than the CPU is named)
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() && !info[0].IsDataView()) throw Napi::TypeError::New(env, "fromBuffer: expected a typed array");
  auto view = info[0].As<Napi::TypedArray>();
  const size_t byteLength = view.ByteLength();
  const uint8_t* src = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
  auto shape = toShape(info[1], "fromBuffer");
  auto dtype = static_cast<c10::ScalarType>(info[2].As<Napi::Number>().Int32Value());
  return guarded(env, "fromBuffer", {}, [&]() -> Napi::Value {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (t.nbytes() != byteLength) {
      throw torchError(env, "fromBuffer", {},
                       "shape " + c10::str(t.sizes()) + " of " + c10::toString(dtype) + " needs " + std::to_string(t.nbytes()) +
                           " bytes, the buffer has " + std::to_string(byteLength));
    }
    if (byteLength > 0) std::memcpy(t.data_ptr(), src, byteLength);
    if (info.Length() > 3 && info[3].IsString()) {
      c10::Device device(info[3].As<Napi::String>().Utf8Value());
      if (!device.is_cpu()) t = t.to(device);
    }
    reportExternalMemory(env);
    return wrapTensor(env, std::move(t));
  });
}

// toBuffer(handle) -> ArrayBuffer with the tensor's elements, contiguous, row-major (copied to the
// host first when the tensor lives on another device).
Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& t = unwrapTensor(info[0], "toBuffer");
  return guarded(env, "toBuffer", {describe(info[0])}, [&]() -> Napi::Value {
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, c.nbytes());
    if (c.nbytes() > 0) std::memcpy(out.Data(), c.data_ptr(), c.nbytes());
    return out;
  });
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  at::Tensor& t = unwrapTensor(info[0], "item");
  return guarded(info.Env(), "item", {describe(info[0])}, [&]() -> Napi::Value {
    c10::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  bool released = freeTensor(info[0]);
  reportExternalMemory(info.Env());
  return Napi::Boolean::New(info.Env(), released);
}

// meta(handle) -> [shape, dtypeCode, requiresGrad]
Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& t = unwrapTensor(info[0], "meta");
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, shapeArray(env, t.sizes()));
  out.Set(1u, Napi::Number::New(env, static_cast<int>(t.scalar_type())));
  out.Set(2u, Napi::Boolean::New(env, t.requires_grad()));
  return out;
}

// deviceOf(handle) -> "cpu", "cuda:0", ...
Napi::Value DeviceOf(const Napi::CallbackInfo& info) {
  at::Tensor& t = unwrapTensor(info[0], "deviceOf");
  return Napi::String::New(info.Env(), t.device().str());
}

// moveTo(handle, device): the tensor behind this handle is replaced by its copy on `device`, so
// every holder of the handle (a layer's weight field, an optimizer's list) sees the moved tensor.
// Only leaves move (parameters, buffers, data): a tensor inside an autograd graph would lose it.
Napi::Value MoveTo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& t = unwrapTensor(info[0], "moveTo");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "moveTo: expected a device string such as 'cpu' or 'cuda:0'");
  const std::string name = info[1].As<Napi::String>().Utf8Value();
  return guarded(env, "moveTo", {describe(info[0])}, [&]() -> Napi::Value {
    if (!t.is_leaf()) throw torchError(env, "moveTo", {}, "only leaf tensors (parameters, buffers, data) move in place");
    c10::Device device(name);
    if (t.device() == device) return env.Undefined();
    const bool requiresGrad = t.requires_grad();
    at::Tensor moved = t.detach().to(device);
    moved.set_requires_grad(requiresGrad);
    t = std::move(moved);
    reportExternalMemory(env);
    return env.Undefined();
  });
}

// ---- autograd --------------------------------------------------------------------------------

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = unwrapTensor(info[0], "setRequiresGrad");
  return guarded(info.Env(), "setRequiresGrad", {describe(info[0])}, [&]() -> Napi::Value {
    t.set_requires_grad(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), unwrapTensor(info[0], "grad").grad());
}

Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = unwrapTensor(info[0], "setGrad");
  if (info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad() = at::Tensor();
  } else {
    t.mutable_grad() = unwrapTensor(info[1], "setGrad(grad)");
  }
  reportExternalMemory(info.Env());
  return info.Env().Undefined();
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info[0], "isLeaf").is_leaf());
}

// backward(loss, gradient | null, retainGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& root = unwrapTensor(info[0], "backward");
  std::vector<std::string> inputs{describe(info[0])};
  return guarded(env, "backward", inputs, [&]() -> Napi::Value {
    torch::autograd::variable_list grads;
    if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) grads.push_back(unwrapTensor(info[1], "backward(gradient)"));
    bool retain = info.Length() > 2 && info[2].ToBoolean().Value();
    torch::autograd::backward({root}, grads, retain);
    reportExternalMemory(env);
    return env.Undefined();
  });
}

Napi::Value GradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

// ---- process-wide settings -------------------------------------------------------------------

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  double seed = info[0].As<Napi::Number>().DoubleValue();
  at::manual_seed(static_cast<uint64_t>(seed));
  return info.Env().Undefined();
}

using BlasSetThreads = void (*)(int);
using BlasGetThreads = int (*)();

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads: expected at least 1 thread, got " + std::to_string(n));
  at::set_num_threads(n);
  // OpenBLAS keeps its own pool; resize it too when it is the loaded BLAS.
  if (auto f = reinterpret_cast<BlasSetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("intraOp", at::get_num_threads());
  out.Set("interOp", at::get_num_interop_threads());
  auto get = reinterpret_cast<BlasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  out.Set("blas", get ? Napi::Value(Napi::Number::New(env, get())) : env.Null());
  // OpenBLAS's build: 0 sequential, 1 its own pthread pool, 2 OpenMP (the pool libtorch uses).
  auto parallel = reinterpret_cast<BlasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  const char* modes[] = {"sequential", "pthreads", "openmp"};
  const int mode = parallel ? parallel() : -1;
  out.Set("blasParallel", mode >= 0 && mode <= 2 ? Napi::Value(Napi::String::New(env, modes[mode])) : env.Null());
  return out;
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("liveTensors", static_cast<double>(liveHandles()));
  out.Set("nativeBytes", static_cast<double>(nativeBytes()));
  out.Set("peakNativeBytes", static_cast<double>(peakNativeBytes()));
  out.Set("reportedBytes", static_cast<double>(g_reportedBytes));
  out.Set("cachedBytes", static_cast<double>(cachedBlockBytes()));
  return out;
}

// setBlockCacheLimit(bytes): how many bytes of freed blocks the allocator keeps for reuse.
Napi::Value SetBlockCacheLimit(const Napi::CallbackInfo& info) {
  double bytes = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(bytes >= 0)) throw Napi::TypeError::New(info.Env(), "setBlockCacheLimit: expected a number of bytes >= 0, got " + describe(info[0]));
  setBlockCacheLimit(static_cast<size_t>(bytes));
  return info.Env().Undefined();
}

// deferMemoryReports(flag): true while JS has a tidy scope open; false reports at once.
Napi::Value DeferMemoryReports(const Napi::CallbackInfo& info) {
  g_reportsDeferred = info[0].ToBoolean().Value();
  reportExternalMemory(info.Env());
  return info.Env().Undefined();
}

Napi::Value ResetPeak(const Napi::CallbackInfo& info) {
  resetPeakNativeBytes();
  return info.Env().Undefined();
}

// devices() -> { cudaBuilt, cudaAvailable, cudaDeviceCount }. cudaBuilt: this process loaded
// libtorch's CUDA library (the addon links it when the libtorch it was built against has one);
// cudaAvailable: that library found a usable driver and GPU.
Napi::Value Devices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  void* cudaLib = dlopen("libtorch_cuda.so", RTLD_LAZY | RTLD_NOLOAD);
  const bool built = cudaLib != nullptr;
  if (cudaLib != nullptr) dlclose(cudaLib);  // NOLOAD still counts a reference
  const bool available = built && torch::cuda::is_available();
  out.Set("cudaBuilt", built);
  out.Set("cudaAvailable", available);
  out.Set("cudaDeviceCount", static_cast<double>(available ? torch::cuda::device_count() : 0));
  return out;
}

// synchronize(): waits until every queued GPU kernel has finished (CUDA runs asynchronously, so a
// timer must wait for it); nothing to wait for on the CPU.
Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), "synchronize", {}, [&]() -> Napi::Value {
    if (torch::cuda::is_available()) torch::cuda::synchronize();
    return info.Env().Undefined();
  });
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("torchVersion", TORCH_VERSION);
  out.Set("config", at::show_config());
  out.Set("parallel", at::get_parallel_info());
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  installCountingAllocator();
  const std::pair<const char*, Napi::Function::Callback> fns[] = {
      {"op", Op},
      {"schema", Schema},
      {"call", Call},
      {"fromBuffer", FromBuffer},
      {"toBuffer", ToBuffer},
      {"item", Item},
      {"free", Free},
      {"meta", Meta},
      {"deviceOf", DeviceOf},
      {"moveTo", MoveTo},
      {"devices", Devices},
      {"synchronize", Synchronize},
      {"setRequiresGrad", SetRequiresGrad},
      {"grad", Grad},
      {"setGrad", SetGrad},
      {"isLeaf", IsLeaf},
      {"backward", Backward},
      {"gradEnabled", GradEnabled},
      {"setGradEnabled", SetGradEnabled},
      {"manualSeed", ManualSeed},
      {"setNumThreads", SetNumThreads},
      {"threads", Threads},
      {"stats", Stats},
      {"resetPeak", ResetPeak},
      {"setBlockCacheLimit", SetBlockCacheLimit},
      {"deferMemoryReports", DeferMemoryReports},
      {"buildInfo", BuildInfo},
  };
  for (const auto& [name, fn] : fns) exports.Set(name, Napi::Function::New(env, fn, name));
  return exports;
}

}  // namespace

}  // namespace adaptlab

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return adaptlab::Init(env, exports); }

NODE_API_MODULE(adaptlab_native, InitModule)
