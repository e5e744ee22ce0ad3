// kafka-log-transport's optional native paths (issue #18).
//
// node-rdkafka's produce() converts topic, key and every header object of a record through
// the V8 API, one call per record: that is most of a log producer's CPU. produceBatch()
// takes a batch of records, already laid out flat by lib/core/native-batch.ts, and hands
// them, in one call, to the librdkafka handle that node-rdkafka's producer owns (handle.h);
// produceLines() (lines.cc) goes one step further for the common case and takes log lines
// as bytes. Connection, polling, delivery reports and statistics stay node-rdkafka's.
// This library is linked against the librdkafka.so.1 that node-rdkafka built, the one
// already loaded in the process.
#include <nan.h>
#include <memory>
#include <string>
#include <vector>
#include "handle.h"
#include "lines.h"

using klt::kNotConnected;

namespace {

// A header's name or value as UTF-8, remembered by the identity of its V8 string: the names
// and most values (content-type, level labels, static headers) are the same string objects
// record after record, so each is converted once per batch, not once per record.
struct Remembered {
  v8::Local<v8::Value> handle;
  std::string text;

  const std::string& of(v8::Local<v8::Value> value) {
    if (handle.IsEmpty() || !(handle == value)) {
      Nan::Utf8String utf8(value);
      text.assign(*utf8, utf8.length());
      handle = value;
    }
    return text;
  }
};

// the name and value remembered for the n-th header of a record
struct HeaderSlot {
  Remembered name;
  Remembered value;
};

// produceBatch(client, name, count, topics: string[], values: Buffer[], keys: (string | Buffer | null)[],
//              timestamps: Float64Array, headerCounts: Uint32Array, headers: string[] (name, value, ...),
//              out: Int32Array(1)) -> records handed over, from the first; out[0]: the librdkafka
//              error of the record that stopped the batch (kNotConnected: the producer is closing)
NAN_METHOD(ProduceBatch) {
  v8::Local<v8::Context> ctx = Nan::GetCurrentContext();
  if (info.Length() < 10 || !klt::IsClient(info[0]) ||
      !info[1]->IsString() || !info[2]->IsUint32() || !info[3]->IsArray() || !info[4]->IsArray() ||
      !info[5]->IsArray() || !info[6]->IsFloat64Array() || !info[7]->IsUint32Array() ||
      !info[8]->IsArray() || !info[9]->IsInt32Array()) {
    return Nan::ThrowTypeError("produceBatch: bad arguments");
  }
  uint32_t count = info[2].As<v8::Uint32>()->Value();
  v8::Local<v8::Array> topics = info[3].As<v8::Array>();
  v8::Local<v8::Array> values = info[4].As<v8::Array>();
  v8::Local<v8::Array> keys = info[5].As<v8::Array>();
  v8::Local<v8::Float64Array> timestamps = info[6].As<v8::Float64Array>();
  v8::Local<v8::Uint32Array> headerCounts = info[7].As<v8::Uint32Array>();
  v8::Local<v8::Array> headers = info[8].As<v8::Array>();
  v8::Local<v8::Int32Array> out = info[9].As<v8::Int32Array>();
  if (timestamps->Length() < count || headerCounts->Length() < count || out->Length() < 1) {
    return Nan::ThrowRangeError("produceBatch: typed arrays shorter than the batch");
  }
  const double* ts = klt::Data<double>(timestamps);
  const uint32_t* hc = klt::Data<uint32_t>(headerCounts);
  int32_t* status = klt::Data<int32_t>(out);
  status[0] = 0;

  uint32_t done = 0;
  bool connected = klt::WithHandle(info[0].As<v8::Object>(), info[1], [&](rd_kafka_t* rk) {
    std::vector<HeaderSlot> slots;
    v8::Local<v8::Value> lastTopic;
    rd_kafka_topic_t* rkt = nullptr;
    uint32_t header = 0;
    for (; done < count; done++) {
      v8::Local<v8::Value> topic = topics->Get(ctx, done).ToLocalChecked();
      if (rkt == nullptr || !topic->StrictEquals(lastTopic)) {
        if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
        Nan::Utf8String topicName(topic);
        rkt = rd_kafka_topic_new(rk, *topicName, nullptr);
        if (rkt == nullptr) {
          status[0] = rd_kafka_last_error();
          break;
        }
        lastTopic = topic;
      }
      v8::Local<v8::Value> value = values->Get(ctx, done).ToLocalChecked();
      v8::Local<v8::Value> key = keys->Get(ctx, done).ToLocalChecked();
      const char* keyData = nullptr;
      size_t keyLength = 0;
      std::unique_ptr<Nan::Utf8String> keyText;
      if (key->IsString()) {
        keyText = std::make_unique<Nan::Utf8String>(key);
        keyData = **keyText;
        keyLength = keyText->length();
      } else if (node::Buffer::HasInstance(key)) {
        keyData = node::Buffer::Data(key);
        keyLength = node::Buffer::Length(key);
      }
      rd_kafka_headers_t* hs = nullptr;
      if (hc[done] > 0) {
        hs = rd_kafka_headers_new(hc[done]);
        if (slots.size() < hc[done]) slots.resize(hc[done]);
        for (uint32_t h = 0; h < hc[done]; h++, header += 2) {
          const std::string& name = slots[h].name.of(headers->Get(ctx, header).ToLocalChecked());
          const std::string& value = slots[h].value.of(headers->Get(ctx, header + 1).ToLocalChecked());
          rd_kafka_header_add(hs, name.data(), static_cast<ssize_t>(name.size()), value.data(), static_cast<ssize_t>(value.size()));
        }
      }
      rd_kafka_resp_err_t err = rd_kafka_producev(rk,
          RD_KAFKA_V_RKT(rkt),
          RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(node::Buffer::Data(value), node::Buffer::Length(value)),
          RD_KAFKA_V_KEY(keyData, keyLength),
          RD_KAFKA_V_TIMESTAMP(static_cast<int64_t>(ts[done])),
          RD_KAFKA_V_HEADERS(hs),
          RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (hs != nullptr) rd_kafka_headers_destroy(hs);  // not taken: still ours
        status[0] = err;
        break;
      }
    }
    if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
  });
  if (!connected) status[0] = kNotConnected;
  info.GetReturnValue().Set(done);
}

// errorText(code) -> librdkafka's text for an error code
NAN_METHOD(ErrorText) {
  if (!info[0]->IsInt32()) return Nan::ThrowTypeError("errorText: code must be an integer");
  const char* text = rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(info[0].As<v8::Int32>()->Value()));
  info.GetReturnValue().Set(Nan::New(text).ToLocalChecked());
}

}  // namespace

NAN_MODULE_INIT(Init) {
  Nan::SetMethod(target, "produceBatch", ProduceBatch);
  Nan::SetMethod(target, "errorText", ErrorText);
  Nan::SetMethod(target, "makeLinePlan", klt::MakeLinePlan);
  Nan::SetMethod(target, "produceLines", klt::ProduceLines);
}

NODE_MODULE(klt_batch, Init)
