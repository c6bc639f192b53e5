// JS values <-> libtorch IValues, driven by the operator's schema: the schema says an argument is
// `int[2]`, `Scalar`, `Tensor?` or `Tensor[]`, so JavaScript passes plain numbers, arrays, null
// and tensor handles, and the conversion follows the declared type.
#pragma once
#include <ATen/core/ivalue.h>
#include <ATen/core/function_schema.h>
#include <napi.h>

#include <string>

namespace adaptlab {

c10::IValue toIValue(const Napi::Value& value, const c10::Argument& arg);
Napi::Value fromIValue(Napi::Env env, const c10::IValue& value);

// "Tensor[2, 3] float" for handles, the JSON-ish text of anything else; used in error messages.
std::string describe(const Napi::Value& value);

}  // namespace adaptlab
