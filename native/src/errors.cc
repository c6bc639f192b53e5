#include "errors.h"

#include <c10/util/Exception.h>

namespace adaptlab {

std::string cleanNativeMessage(const char* what) {
  std::string msg(what == nullptr ? "" : what);
  for (const char* marker : {"\nException raised from", "\nFrame ", " (Triggered internally at"}) {
    auto cut = msg.find(marker);
    if (cut != std::string::npos) msg.erase(cut);
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

Napi::Error torchError(Napi::Env env, const std::string& op, const std::vector<std::string>& inputs,
                       const std::string& nativeMessage) {
  std::string joined;
  for (size_t i = 0; i < inputs.size(); ++i) joined += (i ? ", " : "") + inputs[i];
  Napi::Error err = Napi::Error::New(env, op + "(" + joined + "): " + nativeMessage);
  Napi::Array list = Napi::Array::New(env, inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) list.Set(i, Napi::String::New(env, inputs[i]));
  err.Set("code", Napi::String::New(env, "TORCH_ERROR"));
  err.Set("op", Napi::String::New(env, op));
  err.Set("inputs", list);
  err.Set("nativeMessage", Napi::String::New(env, nativeMessage));
  return err;
}

}  // namespace adaptlab
