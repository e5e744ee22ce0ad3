// kafka-log-transport's optional native paths (issues #18, #34).
//
// node-rdkafka's produce() converts topic, key and every header object of a record through
// the V8 API, one call per record: that is most of a log producer's CPU. produceBatch()
// takes a batch of records, already laid out flat by lib/core/native-batch.ts, and hands
// them, in one call, to the librdkafka handle of our node-rdkafka producer (handles.h);
// produceLines() (lines.cc) goes one step further for the common case and takes log lines
// as bytes. Connection, polling, delivery reports and statistics stay node-rdkafka's.
// Written against Node-API and librdkafka's public C API only (rdkafka_api.h).
#include <memory>
#include <string>
#include <vector>
#include "handles.h"
#include "js.h"
#include "lines.h"

namespace klt {
namespace {

// A header's name or value as UTF-8, remembered by the identity of its JS string: the names
// and most values (content-type, level labels, static headers) are the same string objects
// record after record, so each is converted once per batch, not once per record.
struct Remembered {
  napi_value handle = nullptr;
  std::string text;

  bool of(napi_env env, napi_value value, const std::string** out) {
    bool same = false;
    if (handle == nullptr || napi_strict_equals(env, handle, value, &same) != napi_ok || !same) {
      if (!js::Utf8(env, value, &text)) return false;
      handle = value;
    }
    *out = &text;
    return true;
  }
};

// the name and value remembered for the n-th header of a record
struct HeaderSlot {
  Remembered name;
  Remembered value;
};

// Where an empty value or key points: librdkafka takes a null pointer as no value (a delete
// marker on a compacted topic) or no key, and an empty Buffer's data can be null.
const char kEmpty[] = "";

// A record's key: a string (as UTF-8), a Buffer, or null/undefined (no key).
bool KeyOf(napi_env env, napi_value key, std::string* text, const char** data, size_t* length) {
  napi_valuetype type;
  if (napi_typeof(env, key, &type) != napi_ok) return false;
  if (type == napi_null || type == napi_undefined) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  if (type == napi_string) {
    if (!js::Utf8(env, key, text)) return false;
    *data = text->data();
    *length = text->size();
    return true;
  }
  if (!js::Bytes(env, key, data, length)) return false;
  if (*data == nullptr) *data = kEmpty;  // an empty Buffer is an empty key, not none
  return true;
}

// produceBatch(handle, count, topics: string[], values: Buffer[], keys: (string | Buffer | null)[],
//              timestamps: Float64Array, headerCounts: Uint32Array, headers: string[] (name, value, ...),
//              out: Int32Array(1)) -> records handed over, from the first; out[0]: the librdkafka
//              error of the record that stopped the batch (kNotConnected: the handle is gone)
napi_value ProduceBatch(napi_env env, napi_callback_info info) {
  napi_value a[9];
  uint32_t id, count, topicCount, valueCount, keyCount, headerTotal;
  double* ts;
  uint32_t* hc;
  int32_t* status;
  if (!js::Args(env, info, a) || !js::Uint32(env, a[0], &id) || !js::Uint32(env, a[1], &count) ||
      !js::Length(env, a[2], &topicCount) || !js::Length(env, a[3], &valueCount) || !js::Length(env, a[4], &keyCount) ||
      !js::Typed(env, a[5], napi_float64_array, count, &ts) || !js::Typed(env, a[6], napi_uint32_array, count, &hc) ||
      !js::Length(env, a[7], &headerTotal) || !js::Typed(env, a[8], napi_int32_array, 1, &status) ||
      topicCount < count || valueCount < count || keyCount < count) {
    return js::Throw(env, "produceBatch: bad arguments");
  }
  for (uint32_t i = 0; i < count; i++) {
    if (!(ts[i] >= 0 && ts[i] < 9e15)) return js::Throw(env, "produceBatch: a timestamp outside [0, 9e15)");
  }
  status[0] = 0;
  uint32_t done = 0;
  const char* bad = nullptr;
  bool connected = WithHandle(id, [&](const RdkafkaApi& rd, rd_kafka_t* rk) {
    std::vector<HeaderSlot> slots;
    napi_value lastTopic = nullptr;
    std::string topicName;
    std::string keyText;
    rd_kafka_topic_t* rkt = nullptr;
    uint32_t header = 0;
    for (; done < count; done++) {
      napi_value topic = js::At(env, a[2], done);
      bool same = false;
      if (rkt == nullptr || napi_strict_equals(env, topic, lastTopic, &same) != napi_ok || !same) {
        if (rkt != nullptr) rd.topic_destroy(rkt);
        rkt = nullptr;
        if (!js::Utf8(env, topic, &topicName)) {
          bad = "produceBatch: a topic is not a string";
          break;
        }
        rkt = rd.topic_new(rk, topicName.c_str(), nullptr);
        if (rkt == nullptr) {
          status[0] = rd.last_error();
          break;
        }
        lastTopic = topic;
      }
      const char* value;
      size_t valueLength;
      const char* keyData;
      size_t keyLength;
      if (!js::Bytes(env, js::At(env, a[3], done), &value, &valueLength) ||
          !KeyOf(env, js::At(env, a[4], done), &keyText, &keyData, &keyLength) || header + 2 * hc[done] > headerTotal) {
        bad = "produceBatch: a value is not a Buffer, a key neither a string nor a Buffer, or headers missing";
        break;
      }
      if (value == nullptr) value = kEmpty;
      rd_kafka_headers_t* hs = nullptr;
      if (hc[done] > 0) {
        hs = rd.headers_new(hc[done]);
        if (slots.size() < hc[done]) slots.resize(hc[done]);
        for (uint32_t h = 0; h < hc[done]; h++, header += 2) {
          const std::string* name;
          const std::string* text;
          if (!slots[h].name.of(env, js::At(env, a[7], header), &name) || !slots[h].value.of(env, js::At(env, a[7], header + 1), &text)) {
            bad = "produceBatch: a header name or value is not a string";
            break;
          }
          rd.header_add(hs, name->data(), static_cast<ssize_t>(name->size()), text->data(), static_cast<ssize_t>(text->size()));
        }
        if (bad != nullptr) {
          rd.headers_destroy(hs);
          break;
        }
      }
      rd_kafka_resp_err_t err = rd.producev(rk,
          RD_KAFKA_V_RKT(rkt),
          RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(value), valueLength),
          RD_KAFKA_V_KEY(keyData, keyLength),
          RD_KAFKA_V_TIMESTAMP(static_cast<int64_t>(ts[done])),
          RD_KAFKA_V_HEADERS(hs),
          RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (hs != nullptr) rd.headers_destroy(hs);  // not taken: still ours
        status[0] = err;
        break;
      }
    }
    if (rkt != nullptr) rd.topic_destroy(rkt);
  });
  // records before a bad one were handed over: the caller learns how many, then the error
  if (bad != nullptr && done == 0) return js::Throw(env, bad);
  if (!connected) status[0] = kNotConnected;
  return js::Number(env, done);
}

// errorText(code) -> librdkafka's text for an error code
napi_value ErrorText(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int32_t code;
  if (!js::Args(env, info, a) || napi_get_value_int32(env, a[0], &code) != napi_ok) return js::Throw(env, "errorText: code must be an integer");
  const RdkafkaApi* rd = Rdkafka(nullptr);
  if (rd == nullptr) return js::String(env, ("librdkafka error " + std::to_string(code)).c_str());
  return js::String(env, rd->err2str(static_cast<rd_kafka_resp_err_t>(code)));
}

// claimHandle(name) -> the id of our producer's librdkafka handle, 0 when librdkafka did not hand it to us
napi_value Claim(napi_env env, napi_callback_info info) {
  napi_value a[1];
  std::string name;
  if (!js::Args(env, info, a) || !js::Utf8(env, a[0], &name)) return js::Throw(env, "claimHandle: name must be a string");
  return js::Number(env, ClaimHandle(name));
}

// releaseHandle(id): the producer is about to disconnect
napi_value Release(napi_env env, napi_callback_info info) {
  napi_value a[1];
  uint32_t id;
  if (!js::Args(env, info, a) || !js::Uint32(env, a[0], &id)) return js::Throw(env, "releaseHandle: bad id");
  ReleaseHandle(id);
  return js::Undefined(env);
}

// librdkafka() -> { header, loaded, problem, live }: the header version built with, the loaded
// library's version (0 when not found), why its API is not usable ('' when it is), live handles
napi_value Librdkafka(napi_env env, napi_callback_info) {
  const char* why = nullptr;
  const RdkafkaApi* rd = Rdkafka(&why);
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "header", js::Number(env, kHeaderVersion));
  napi_set_named_property(env, result, "loaded", js::Number(env, rd != nullptr ? rd->version() : 0));
  napi_set_named_property(env, result, "problem", js::String(env, rd != nullptr || why == nullptr ? "" : why));
  napi_set_named_property(env, result, "live", js::Number(env, LiveHandles()));
  return result;
}

}  // namespace
}  // namespace klt

NAPI_MODULE_INIT() {
  const napi_property_descriptor methods[] = {
    {"produceBatch", nullptr, klt::ProduceBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"errorText", nullptr, klt::ErrorText, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"claimHandle", nullptr, klt::Claim, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"releaseHandle", nullptr, klt::Release, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"librdkafka", nullptr, klt::Librdkafka, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"makeLinePlan", nullptr, klt::MakeLinePlan, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"produceLines", nullptr, klt::ProduceLines, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}
