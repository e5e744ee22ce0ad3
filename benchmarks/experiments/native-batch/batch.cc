// Experiment (issue #18), not shipped: hand a batch of log records to the librdkafka handle
// node-rdkafka already owns, in one call, instead of one produce() per record. It reads
// node-rdkafka's C++ Connection through its own header (the layout is the one this build
// compiled), and checks the handle's name against the one node-rdkafka reported before use.
#include <nan.h>
#include <string>
#include <vector>
#include <memory>
#include <list>
#include <map>
#include <iostream>
#include <random>
#include <chrono>
#define protected public
#include "src/connection.h"
#undef protected
#include "rdkafka.h"

static void uuid7(char out[37]) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  uint8_t b[16];
  uint64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  uint64_t r1 = rng(), r2 = rng();
  for (int i = 0; i < 6; i++) b[i] = (ms >> (40 - 8 * i)) & 0xff;
  for (int i = 6; i < 16; i++) b[i] = (i < 14 ? r1 >> (8 * (i - 6)) : r2 >> (8 * (i - 14))) & 0xff;
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  int o = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = hex[b[i] >> 4]; out[o++] = hex[b[i] & 15];
  }
  out[o] = 0;
}

// produceBatch(client, name, topic, values: Buffer[], keys: (string|null)[], timestamps: Float64Array,
//              levels: string[], constHeaders: string[] (k, v, ...), out: Int32Array(2))
// -> how many were handed over; out[0]: the librdkafka error of the record that stopped the batch
NAN_METHOD(ProduceBatch) {
  if (!info[0]->IsObject() || info[0].As<v8::Object>()->InternalFieldCount() < 1) return Nan::ThrowTypeError("not a node-rdkafka client");
  auto* conn = Nan::ObjectWrap::Unwrap<NodeKafka::Connection>(info[0].As<v8::Object>());
  Nan::Utf8String expectedName(info[1]);
  Nan::Utf8String topicName(info[2]);
  auto values = info[3].As<v8::Array>();
  auto keys = info[4].As<v8::Array>();
  auto ts = info[5].As<v8::Float64Array>();
  auto levels = info[6].As<v8::Array>();
  auto consts = info[7].As<v8::Array>();
  auto out = info[8].As<v8::Int32Array>();
  int32_t* outp = static_cast<int32_t*>(out->Buffer()->Data()) + out->ByteOffset() / 4;
  double* tsp = reinterpret_cast<double*>(static_cast<char*>(ts->Buffer()->Data()) + ts->ByteOffset());
  auto ctx = Nan::GetCurrentContext();
  std::vector<std::string> ch;
  for (uint32_t i = 0; i < consts->Length(); i++) ch.emplace_back(*Nan::Utf8String(consts->Get(ctx, i).ToLocalChecked()));
  uint32_t n = values->Length();
  uint32_t done = 0;
  outp[0] = 0;
  if (conn->m_is_closing || conn->m_client == NULL) { outp[0] = -1; info.GetReturnValue().Set(0); return; }
  NodeKafka::scoped_shared_read_lock lock(conn->m_connection_lock);
  rd_kafka_t* rk = conn->m_client->c_ptr();
  if (std::string(rd_kafka_name(rk)) != *expectedName) return Nan::ThrowError("the librdkafka handle is not the one node-rdkafka named");
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, *topicName, NULL);
  char id[37];
  for (; done < n; done++) {
    auto v = values->Get(ctx, done).ToLocalChecked();
    char* data = node::Buffer::Data(v); size_t len = node::Buffer::Length(v);
    auto k = keys->Get(ctx, done).ToLocalChecked();
    std::string key; bool hasKey = false;
    if (k->IsString()) { Nan::Utf8String ks(k); key.assign(*ks, ks.length()); hasKey = true; }
    rd_kafka_headers_t* h = rd_kafka_headers_new(ch.size() / 2 + 2);
    for (size_t j = 0; j + 1 < ch.size(); j += 2) rd_kafka_header_add(h, ch[j].data(), ch[j].size(), ch[j + 1].data(), ch[j + 1].size());
    uuid7(id);
    rd_kafka_header_add(h, "log-id", 6, id, 36);
    auto lv = levels->Get(ctx, done).ToLocalChecked();
    if (lv->IsString()) { Nan::Utf8String ls(lv); rd_kafka_header_add(h, "level", 5, *ls, ls.length()); }
    rd_kafka_resp_err_t err = rd_kafka_producev(rk,
      RD_KAFKA_V_RKT(rkt),
      RD_KAFKA_V_VALUE(data, len),
      RD_KAFKA_V_KEY(hasKey ? key.data() : NULL, hasKey ? key.size() : 0),
      RD_KAFKA_V_TIMESTAMP((int64_t)tsp[done]),
      RD_KAFKA_V_HEADERS(h),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_END);
    if (err) { rd_kafka_headers_destroy(h); outp[0] = err; break; }
  }
  rd_kafka_topic_destroy(rkt);
  info.GetReturnValue().Set(done);
}

NAN_MODULE_INIT(Init) { Nan::SetMethod(target, "produceBatch", ProduceBatch); }
NODE_MODULE(klt_batch, Init)
