#include "convert.h"

#include <cmath>
#include <sstream>

#include "handles.h"

namespace adaptlab {

namespace {

[[noreturn]] void badArg(const Napi::Value& value, const c10::Argument& arg, const char* expected) {
  throw Napi::TypeError::New(value.Env(), "argument '" + arg.name() + "' (" + arg.type()->str() +
                                              ") expects " + expected + ", got " + describe(value));
}

int64_t toInt(const Napi::Value& value, const c10::Argument& arg) {
  if (value.IsBigInt()) {
    bool lossless = false;
    int64_t v = value.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) badArg(value, arg, "an integer that fits in int64");
    return v;
  }
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!value.IsNumber()) badArg(value, arg, "an integer");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) badArg(value, arg, "an integer");
  return static_cast<int64_t>(d);
}

double toDouble(const Napi::Value& value, const c10::Argument& arg) {
  if (!value.IsNumber()) badArg(value, arg, "a number");
  return value.As<Napi::Number>().DoubleValue();
}

c10::Scalar toScalar(const Napi::Value& value, const c10::Argument& arg) {
  if (value.IsBoolean()) return c10::Scalar(value.As<Napi::Boolean>().Value());
  if (value.IsBigInt()) return c10::Scalar(toInt(value, arg));
  if (!value.IsNumber()) badArg(value, arg, "a number or boolean");
  double d = value.As<Napi::Number>().DoubleValue();
  // Integral JS numbers become integer scalars so integer tensors keep their dtype.
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9007199254740992.0) {
    return c10::Scalar(static_cast<int64_t>(d));
  }
  return c10::Scalar(d);
}

Napi::Array asArray(const Napi::Value& value, const c10::Argument& arg) {
  if (!value.IsArray()) badArg(value, arg, "an array");
  return value.As<Napi::Array>();
}

c10::IValue toList(const Napi::Value& value, const c10::Argument& arg, const c10::TypePtr& elem) {
  using c10::TypeKind;
  const TypeKind kind = elem->kind();
  // `int[2] stride=1` accepts a single number for every position, as in PyTorch.
  if ((kind == TypeKind::IntType || kind == TypeKind::SymIntType) && (value.IsNumber() || value.IsBigInt())) {
    const size_t n = arg.N().value_or(1);
    return c10::IValue(std::vector<int64_t>(n, toInt(value, arg)));
  }
  Napi::Array array = asArray(value, arg);
  const uint32_t n = array.Length();
  switch (kind) {
    case TypeKind::IntType:
    case TypeKind::SymIntType: {
      std::vector<int64_t> out(n);
      for (uint32_t i = 0; i < n; ++i) out[i] = toInt(array.Get(i), arg);
      return c10::IValue(out);
    }
    case TypeKind::FloatType: {
      std::vector<double> out(n);
      for (uint32_t i = 0; i < n; ++i) out[i] = toDouble(array.Get(i), arg);
      return c10::IValue(out);
    }
    case TypeKind::BoolType: {
      c10::List<bool> out;
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value v = array.Get(i);
        if (!v.IsBoolean()) badArg(v, arg, "booleans");
        out.push_back(v.As<Napi::Boolean>().Value());
      }
      return c10::IValue(out);
    }
    case TypeKind::TensorType: {
      c10::List<at::Tensor> out;
      out.reserve(n);
      for (uint32_t i = 0; i < n; ++i) out.push_back(unwrapTensor(array.Get(i), arg.name().c_str()));
      return c10::IValue(out);
    }
    case TypeKind::OptionalType: {
      if (elem->expectRef<c10::OptionalType>().getElementType()->kind() != TypeKind::TensorType) break;
      c10::List<c10::optional<at::Tensor>> out;
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value v = array.Get(i);
        if (v.IsNull() || v.IsUndefined()) {
          out.push_back(c10::nullopt);
        } else {
          out.push_back(unwrapTensor(v, arg.name().c_str()));
        }
      }
      return c10::IValue(out);
    }
    default:
      break;
  }
  badArg(value, arg, "a list type this binding supports (int[], float[], bool[], Tensor[], Tensor?[])");
}

c10::IValue convert(const Napi::Value& value, const c10::Argument& arg, const c10::TypePtr& type) {
  using c10::TypeKind;
  switch (type->kind()) {
    case TypeKind::OptionalType:
      if (value.IsNull() || value.IsUndefined()) return c10::IValue();
      return convert(value, arg, type->expectRef<c10::OptionalType>().getElementType());
    case TypeKind::TensorType:
      return c10::IValue(unwrapTensor(value, arg.name().c_str()));
    case TypeKind::IntType:
    case TypeKind::SymIntType:
    case TypeKind::ScalarTypeType:
    case TypeKind::LayoutType:
    case TypeKind::MemoryFormatType:
      return c10::IValue(toInt(value, arg));
    case TypeKind::FloatType:
      return c10::IValue(toDouble(value, arg));
    case TypeKind::BoolType:
      if (!value.IsBoolean()) badArg(value, arg, "a boolean");
      return c10::IValue(value.As<Napi::Boolean>().Value());
    case TypeKind::NumberType:
      return c10::IValue(toScalar(value, arg));
    case TypeKind::StringType:
      if (!value.IsString()) badArg(value, arg, "a string");
      return c10::IValue(value.As<Napi::String>().Utf8Value());
    case TypeKind::DeviceObjType:
      if (!value.IsString()) badArg(value, arg, "a device string such as 'cpu'");
      return c10::IValue(c10::Device(value.As<Napi::String>().Utf8Value()));
    case TypeKind::ListType:
      return toList(value, arg, type->expectRef<c10::ListType>().getElementType());
    default:
      break;
  }
  badArg(value, arg, "a type this binding supports");
}

}  // namespace

c10::IValue toIValue(const Napi::Value& value, const c10::Argument& arg) { return convert(value, arg, arg.type()); }

Napi::Value fromIValue(Napi::Env env, const c10::IValue& value) {
  if (value.isTensor()) return wrapTensor(env, value.toTensor());
  if (value.isNone()) return env.Null();
  if (value.isInt()) return Napi::Number::New(env, static_cast<double>(value.toInt()));
  if (value.isDouble()) return Napi::Number::New(env, value.toDouble());
  if (value.isBool()) return Napi::Boolean::New(env, value.toBool());
  if (value.isString()) return Napi::String::New(env, value.toStringRef());
  if (value.isTuple()) {
    const auto& elems = value.toTupleRef().elements();
    Napi::Array out = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); ++i) out.Set(i, fromIValue(env, elems[i]));
    return out;
  }
  if (value.isList()) {
    auto list = value.toListRef();
    Napi::Array out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(i, fromIValue(env, list[i]));
    return out;
  }
  throw Napi::TypeError::New(env, std::string("cannot return a value of kind ") + value.tagKind());
}

std::string describe(const Napi::Value& value) {
  if (value.IsExternal()) {
    auto* box = value.As<Napi::External<TensorBox>>().Data();
    if (box == nullptr || box->magic != TensorBox::kMagic) return "<handle>";
    if (box->freed) return "Tensor<disposed>";
    std::ostringstream out;
    out << "Tensor" << box->tensor.sizes() << " " << box->tensor.scalar_type();
    return out.str();
  }
  if (value.IsNull()) return "null";
  if (value.IsUndefined()) return "undefined";
  if (value.IsArray()) {
    Napi::Array array = value.As<Napi::Array>();
    std::string out = "[";
    for (uint32_t i = 0; i < array.Length() && i < 8; ++i) out += (i ? ", " : "") + describe(array.Get(i));
    return out + (array.Length() > 8 ? ", ...]" : "]");
  }
  if (value.IsString()) return "'" + value.As<Napi::String>().Utf8Value() + "'";
  return value.ToString().Utf8Value();
}

}  // namespace adaptlab
