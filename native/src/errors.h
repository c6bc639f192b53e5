// One boundary for failures: every libtorch exception becomes a JS Error that keeps libtorch's
// own message and says which operation failed on which inputs. Nothing escapes as a C++ abort.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

namespace adaptlab {

// A JS Error with fields {code: 'TORCH_ERROR', op, inputs, nativeMessage}; the TypeScript layer
// turns it into a typed TorchError.
Napi::Error torchError(Napi::Env env, const std::string& op, const std::vector<std::string>& inputs,
                       const std::string& nativeMessage);

// Strips libtorch's C++ backtrace and "Exception raised from" trailer; keeps the message.
std::string cleanNativeMessage(const char* what);

template <typename Body>
Napi::Value guarded(Napi::Env env, const std::string& op, const std::vector<std::string>& inputs, Body&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw torchError(env, op, inputs, cleanNativeMessage(e.what()));
  } catch (...) {
    throw torchError(env, op, inputs, "unknown native exception");
  }
}

}  // namespace adaptlab
