// Small helpers over Node-API (ABI-stable: one build serves Node 22, 24 and 26). Each
// reader returns false when the value is not of the kind asked for; the caller throws.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>
#include <string>

namespace klt {
namespace js {

/** The call's arguments: `argc` of them in `argv` (missing ones are undefined). */
template <size_t N>
bool Args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) == napi_ok && argc >= N;
}

inline napi_value Throw(napi_env env, const char* message) {
  napi_throw_type_error(env, "KLT_NATIVE_ARGS", message);
  return nullptr;
}

inline napi_value Undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

inline napi_value Number(napi_env env, double n) {
  napi_value v;
  napi_create_double(env, n, &v);
  return v;
}

inline napi_value String(napi_env env, const char* text) {
  napi_value v;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  return v;
}

/** A finite number in [0, 2^32). */
inline bool Uint32(napi_env env, napi_value v, uint32_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d < 4294967296.0)) return false;
  *out = static_cast<uint32_t>(d);
  return true;
}

/** A finite number in [0, 2^53]: an offset into a Buffer. */
inline bool Offset(napi_env env, napi_value v, size_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 9007199254740992.0)) return false;
  *out = static_cast<size_t>(d);
  return true;
}

/** A string, as UTF-8 (lone surrogates become U+FFFD, as Buffer.from(string) makes them). */
inline bool Utf8(napi_env env, napi_value v, std::string* out) {
  size_t length;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length + 1);
  if (napi_get_value_string_utf8(env, v, &(*out)[0], length + 1, &length) != napi_ok) return false;
  out->resize(length);
  return true;
}

/** The bytes of a Buffer (or any Uint8Array). */
inline bool Bytes(napi_env env, napi_value v, const char** data, size_t* length) {
  bool is;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return false;
  void* d;
  if (napi_get_buffer_info(env, v, &d, length) != napi_ok) return false;
  *data = static_cast<const char*>(d);
  return true;
}

/** The elements of a typed array of `type`, at least `least` of them. */
template <typename T>
bool Typed(napi_env env, napi_value v, napi_typedarray_type type, size_t least, T** data) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type actual;
  size_t length;
  void* d;
  if (napi_get_typedarray_info(env, v, &actual, &length, &d, nullptr, nullptr) != napi_ok) return false;
  if (actual != type || length < least) return false;
  *data = static_cast<T*>(d);
  return true;
}

/** A JS array's length. */
inline bool Length(napi_env env, napi_value v, uint32_t* length) {
  bool is;
  return napi_is_array(env, v, &is) == napi_ok && is && napi_get_array_length(env, v, length) == napi_ok;
}

inline napi_value At(napi_env env, napi_value array, uint32_t i) {
  napi_value v = nullptr;
  napi_get_element(env, array, i, &v);
  return v;
}

}  // namespace js
}  // namespace klt
