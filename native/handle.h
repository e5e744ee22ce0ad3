// The librdkafka handle behind a node-rdkafka producer, for the native paths (batch.cc,
// lines.cc). node-rdkafka's C++ Connection is read through node-rdkafka's own header,
// compiled against the same sources as the node-rdkafka build beside it; before use, the
// handle's rd_kafka_name() must be the name node-rdkafka reported, or the call throws (and
// the JS side falls back to produce()).
#pragma once
#include <nan.h>
#include <cstring>
#define protected public
#include "src/connection.h"
#undef protected
#include "rdkafka.h"

namespace klt {

/** out[0] / stop code when the producer is closing: the records stay with the caller. */
constexpr int32_t kNotConnected = -1;

/**
 * Run `use(rk)` with node-rdkafka's connection read-locked (it cannot be torn down under
 * us). Returns false, having called nothing, when the producer is not connected; throws a JS
 * error (and returns false) when the handle is not the one node-rdkafka named.
 */
template <typename Use>
bool WithHandle(v8::Local<v8::Object> client, v8::Local<v8::Value> expectedName, Use use) {
  auto* conn = Nan::ObjectWrap::Unwrap<NodeKafka::Connection>(client);
  // node-rdkafka's Connection::IsConnected(), inline: that function lives in its binary
  auto connected = [conn]() { return !conn->m_is_closing && conn->m_client != nullptr; };
  if (!connected()) return false;
  NodeKafka::scoped_shared_read_lock lock(conn->m_connection_lock);
  if (!connected()) return false;
  rd_kafka_t* rk = conn->m_client->c_ptr();
  Nan::Utf8String name(expectedName);
  const char* actual = rd_kafka_name(rk);
  if (std::strlen(actual) != static_cast<size_t>(name.length()) || std::memcmp(actual, *name, name.length()) != 0) {
    Nan::ThrowError("the librdkafka handle is not the one node-rdkafka named");
    return false;
  }
  use(rk);
  return true;
}

/** Is `value` a node-rdkafka client object (one with the wrapped C++ connection)? */
inline bool IsClient(v8::Local<v8::Value> value) {
  return value->IsObject() && value.As<v8::Object>()->InternalFieldCount() >= 1;
}

/** The bytes behind a typed array. */
template <typename T, typename Array>
T* Data(v8::Local<Array> array) {
  return reinterpret_cast<T*>(static_cast<char*>(array->Buffer()->Data()) + array->ByteOffset());
}

}  // namespace klt
