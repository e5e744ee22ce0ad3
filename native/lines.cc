// Log lines straight from bytes to librdkafka, for the common case (issue #18): a chunk of
// newline-ended pino lines becomes records in one call, each line's level, time and key
// field read from its bytes and its headers (static ones, content-type, log id, level)
// made here, never as JS objects. What the plan (made once per producer and level map, by
// lib/core/record/line-plan.ts) does not cover, or a line this reading does not handle,
// stops the call at that line: the JS encoder takes it, as it takes every line without
// this addon. The reading must give what the JS encoder gives for the same line.
#include "lines.h"
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>
#include "handles.h"
#include "js.h"
#include "json_scan.h"
#include "line_rules.h"
#include "log_id.h"

namespace klt {
namespace {

// the rules shared with the JS encoder: line_rules.h, generated from lib/core/record/line-rules.ts
using namespace rules;

template <size_t N>
constexpr size_t Len(const char (&)[N]) { return N - 1; }

// stop codes beside librdkafka's errors (which are nonzero and not these)
constexpr int32_t kEnd = kLinesEnd;                 // every complete line was taken
constexpr int32_t kUnsupported = kLinesUnsupported;  // the line at out[0] is for the JS encoder

struct Plan {
  std::vector<std::string> topicParts;  // the topic, split at each {level}
  uint32_t keyKind;
  std::string keyText;                  // the constant key, or the key field's name
  std::vector<std::pair<std::string, std::string>> statics;
  uint32_t flags;
  std::map<int64_t, std::string> labels;
  size_t maxBytes;
};

// A plan lives in a JS external object (freed when the producer lets go of it, after
// setLevelLabels or at close); the tag tells our plans from any other external.
const napi_type_tag kPlanTag = {0x6b6c742d6c696e65ULL, 0x2d706c616e2d7631ULL};

void FreePlan(napi_env, void* data, void*) { delete static_cast<Plan*>(data); }

const Plan* PlanOf(napi_env env, napi_value v) {
  napi_valuetype type;
  bool tagged = false;
  void* data = nullptr;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_external ||
      napi_check_object_type_tag(env, v, &kPlanTag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &data) != napi_ok) {
    return nullptr;
  }
  return static_cast<const Plan*>(data);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// pino's head, as peekTimeAndLevel() in record.ts: {"level":(\d+|"[a-z]+"),"time":(\d+)[,}]
struct Head {
  const char* level;
  size_t levelLength;
  bool levelQuoted;
  double time;
};

bool ReadHead(const char* b, size_t n, Head* h) {
  size_t i = Len(kHeadLevel);
  if (n < i || std::memcmp(b, kHeadLevel, i) != 0) return false;
  size_t from = i;
  if (i < n && b[i] == '"') {
    from = ++i;
    while (i < n && b[i] >= 'a' && b[i] <= 'z') i++;
    if (i == from || i >= n || b[i] != '"') return false;
    h->levelQuoted = true;
    h->level = b + from;
    h->levelLength = i - from;
    i++;
  } else {
    while (i < n && IsDigit(b[i])) i++;
    if (i == from) return false;
    h->levelQuoted = false;
    h->level = b + from;
    h->levelLength = i - from;
  }
  if (n - i < Len(kHeadTime) || std::memcmp(b + i, kHeadTime, Len(kHeadTime)) != 0) return false;
  i += Len(kHeadTime);
  from = i;
  uint64_t t = 0;
  while (i < n && IsDigit(b[i]) && i - from <= kHeadTimeDigits) t = t * 10 + static_cast<uint64_t>(b[i++] - '0');
  if (i == from || i - from > kHeadTimeDigits) return false;  // beyond exact doubles: the JS encoder decides
  if (i >= n || (b[i] != ',' && b[i] != '}')) return false;  // 1.5e12, 1e300, a cut line: the JS encoder reads it
  // JSON.parse takes the last of duplicate keys: a later "level" or "time", or a \u escape
  // that could spell one, is for the JS encoder
  for (size_t k = 0; k < kHeadLaterCount; k++) {
    if (memmem(b + i, n - i, kHeadLater[k], std::strlen(kHeadLater[k])) != nullptr) return false;
  }
  h->time = static_cast<double>(t);
  return true;
}

// Is [b, b + n) well-formed UTF-8 (no overlong forms, no surrogates, nothing above
// U+10FFFF)? The JS encoder decodes a key field's text and sends U+FFFD for what is not: such
// a key is for the JS encoder.
bool ValidUtf8(const char* text, size_t n) {
  const unsigned char* b = reinterpret_cast<const unsigned char*>(text);
  size_t i = 0;
  while (i < n) {
    unsigned char c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t extra;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (n - i - 1 < extra || b[i + 1] < lo || b[i + 1] > hi) return false;
    for (size_t k = 2; k <= extra; k++) {
      if (b[i + k] < 0x80 || b[i + k] > 0xbf) return false;
    }
    i += extra + 1;
  }
  return true;
}

// epochMs() of level-time.ts for a non-negative number: s, ms, µs or ns told apart by size
// (t has at most 17 digits: ReadHead leaves longer times to the JS encoder)
int64_t EpochMs(double t) {
  if (t <= 0) return 0;  // null in JS: the batch path sends 0 (librdkafka's now) for it too
  double ms = t < kSecondsBelow ? t * 1000 : t > kNanosAbove ? t / 1e6 : t > kMicrosAbove ? t / 1e3 : t;
  return static_cast<int64_t>(ms);
}

// KafkaClock.stamp() of lib/core/record/kafka-time.ts (issue #32): the own time when it can
// be a log time (in [oldest, latest]), else the send time (0: librdkafka's now)
struct Window {
  int64_t oldest;
  int64_t latest;
  int64_t sendTime;
};

int64_t Stamp(int64_t own, const Window& w, bool* replaced) {
  *replaced = own != 0 && (own < w.oldest || own > w.latest);
  return own == 0 || *replaced ? w.sendTime : own;
}

// levelLabel() of level-time.ts for the head's level
bool LevelLabel(const Plan& plan, const Head& h, std::string* out) {
  if (h.levelQuoted) {
    out->assign(h.level, h.levelLength);
    return true;
  }
  if (h.levelLength > kHeadLevelDigits || (h.levelLength > 1 && h.level[0] == '0')) return false;
  int64_t n = std::strtoll(std::string(h.level, h.levelLength).c_str(), nullptr, 10);
  auto found = plan.labels.find(n);
  if (found != plan.labels.end()) *out = found->second;
  else out->assign(h.level, h.levelLength);
  return true;
}

bool ValidTopic(const std::string& t) {
  if (t.empty() || t.size() > kTopicMax) return false;
  for (char c : t) {
    if (c == '\0' || std::strchr(kTopicChars, c) == nullptr) return false;
  }
  return true;
}

// a key field's JSON literal as the JS encoder's key text (fieldText of the parsed value);
// false for literals whose text JSON would change (1.50, 1e3, -0, ...)
bool LiteralKey(const FieldSpan& f, const char** data, size_t* length) {
  const char* d = f.data;
  size_t n = f.length;
  if (n == 4 && std::memcmp(d, "null", 4) == 0) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  bool plain = (n == 4 && std::memcmp(d, "true", 4) == 0) || (n == 5 && std::memcmp(d, "false", 5) == 0);
  if (!plain) {
    size_t i = d[0] == '-' ? 1 : 0;
    size_t digits = n - i;
    if (digits == 0 || digits > 15 || (digits > 1 && d[i] == '0') || (i == 1 && digits == 1 && d[1] == '0')) return false;
    for (size_t j = i; j < n; j++) if (!IsDigit(d[j])) return false;
  }
  *data = d;
  *length = n;
  return true;
}

bool Mentions(const char* b, size_t n, const char* needle, size_t needleLength) {
  return memmem(b, n, needle, needleLength) != nullptr;
}

}  // namespace

// makeLinePlan(topicParts: string[], keyKind: number, keyText: string, statics: string[] (name, value, ...),
//              flags: number, labels: Array<number | string> (level, label, ...), maxBytes: number) -> plan (an external)
napi_value MakeLinePlan(napi_env env, napi_callback_info info) {
  napi_value a[7];
  uint32_t partCount, staticCount, labelCount;
  double maxBytes;
  auto plan = std::make_unique<Plan>();
  if (!js::Args(env, info, a) || !js::Length(env, a[0], &partCount) || !js::Uint32(env, a[1], &plan->keyKind) ||
      !js::Utf8(env, a[2], &plan->keyText) || !js::Length(env, a[3], &staticCount) || !js::Uint32(env, a[4], &plan->flags) ||
      !js::Length(env, a[5], &labelCount) || napi_get_value_double(env, a[6], &maxBytes) != napi_ok || !(maxBytes >= 0 && maxBytes < 9e15)) {
    return js::Throw(env, "makeLinePlan: bad arguments");
  }
  plan->maxBytes = static_cast<size_t>(maxBytes);
  std::string name;
  std::string value;
  for (uint32_t i = 0; i < partCount; i++) {
    if (!js::Utf8(env, js::At(env, a[0], i), &name)) return js::Throw(env, "makeLinePlan: a topic part is not a string");
    plan->topicParts.push_back(name);
  }
  for (uint32_t i = 0; i + 1 < staticCount; i += 2) {
    if (!js::Utf8(env, js::At(env, a[3], i), &name) || !js::Utf8(env, js::At(env, a[3], i + 1), &value)) {
      return js::Throw(env, "makeLinePlan: a static header is not a string");
    }
    plan->statics.emplace_back(name, value);
  }
  for (uint32_t i = 0; i + 1 < labelCount; i += 2) {
    double level;
    if (napi_get_value_double(env, js::At(env, a[5], i), &level) != napi_ok || !(level >= -1e15 && level <= 1e15) ||
        !js::Utf8(env, js::At(env, a[5], i + 1), &value)) {
      return js::Throw(env, "makeLinePlan: a level is not a number in [-1e15, 1e15], or its label not a string");
    }
    plan->labels[static_cast<int64_t>(level)] = value;
  }
  if (plan->topicParts.empty()) return js::Throw(env, "makeLinePlan: no topic");
  napi_value external;
  if (napi_create_external(env, plan.get(), FreePlan, nullptr, &external) != napi_ok) return js::Throw(env, "makeLinePlan: no memory");
  plan.release();  // the external owns it now
  if (napi_type_tag_object(env, external, &kPlanTag) != napi_ok) return js::Throw(env, "makeLinePlan: cannot tag the plan");
  return external;
}

// produceLines(handle, plan, chunk: Buffer, start, end, out: Float64Array(5),
//              clock: Float64Array(3)) -> undefined
// Takes the newline-ended lines of chunk[start, end) in order (empty ones skipped). clock:
// [oldest, latest, send time] of the producer's KafkaClock. out: [0] the offset reached
// (the start of the line that stopped the call, or past the last line taken), [1] records
// handed over, [2] their value bytes, [3] why it stopped: 0 (all complete lines taken), 1
// (the line at out[0] is for the JS encoder), kNotConnected, or the librdkafka error for the
// line at out[0] (QUEUE_FULL, ...), [4] records sent with the send time instead of their own.
napi_value ProduceLines(napi_env env, napi_callback_info info) {
  napi_value a[7];
  uint32_t id;
  const char* chunk;
  size_t chunkLength, start, end;
  double* out;
  double* clock;
  if (!js::Args(env, info, a) || !js::Uint32(env, a[0], &id) ||
      !js::Bytes(env, a[2], &chunk, &chunkLength) || !js::Offset(env, a[3], &start) || !js::Offset(env, a[4], &end) ||
      !js::Typed(env, a[5], napi_float64_array, 5, &out) || !js::Typed(env, a[6], napi_float64_array, 3, &clock)) {
    return js::Throw(env, "produceLines: bad arguments");
  }
  const Plan* found = PlanOf(env, a[1]);
  if (found == nullptr) return js::Throw(env, "produceLines: not a line plan");
  for (int i = 0; i < 3; i++) {
    if (!(clock[i] >= 0 && clock[i] < 9e15)) return js::Throw(env, "produceLines: clock outside [0, 9e15)");
  }
  const Window window{static_cast<int64_t>(clock[0]), static_cast<int64_t>(clock[1]), static_cast<int64_t>(clock[2])};
  const Plan& plan = *found;
  if (end > chunkLength || start > end) return js::Throw(env, "produceLines: range outside the chunk");
  out[0] = static_cast<double>(start);
  out[1] = 0;
  out[2] = 0;
  out[3] = kNotConnected;
  out[4] = 0;

  bool levelNeeded = (plan.flags & kHeaderLevel) != 0 || plan.topicParts.size() > 1;
  WithHandle(id, [&](const RdkafkaApi& rd, rd_kafka_t* rk) {
    std::map<std::string, rd_kafka_topic_t*> topics;
    std::string topic;
    std::string label;
    char logId[kLogIdLength];
    const int64_t now = (plan.flags & kHeaderLogId) != 0 ? NowMs() : 0;
    size_t at = start;
    double records = 0;
    double bytes = 0;
    double replaced = 0;
    int32_t stop = kEnd;
    while (at < end) {
      const char* line = chunk + at;
      const char* newline = static_cast<const char*>(std::memchr(line, '\n', end - at));
      if (newline == nullptr) break;  // an unfinished line: the caller keeps it
      size_t length = static_cast<size_t>(newline - line);
      size_t next = at + length + 1;
      if (length > 0 && line[length - 1] == '\r') length--;
      if (length == 0) {  // a blank line ('' or a lone CR) is no record, as in the JS encoder
        at = next;
        continue;
      }
      Head head;
      if (length > plan.maxBytes || !ReadHead(line, length, &head) ||
          ((plan.flags & kHeaderTraceparent) != 0 && Mentions(line, length, kTraceNeedle, Len(kTraceNeedle))) ||
          (levelNeeded && !LevelLabel(plan, head, &label))) {
        stop = kUnsupported;
        break;
      }
      const char* keyData = nullptr;
      size_t keyLength = 0;
      if (plan.keyKind == kKeyConstant) {
        keyData = plan.keyText.data();
        keyLength = plan.keyText.size();
      } else if (plan.keyKind == kKeyField) {
        FieldSpan f = ScanTopLevelField(line, length, plan.keyText.data(), plan.keyText.size());
        if (f.kind == FieldSpan::kString) {
          if (!ValidUtf8(f.data, f.length)) {
            stop = kUnsupported;
            break;
          }
          keyData = f.data;
          keyLength = f.length;
        } else if (f.kind == FieldSpan::kOther || (f.kind == FieldSpan::kLiteral && !LiteralKey(f, &keyData, &keyLength))) {
          stop = kUnsupported;
          break;
        }
      }
      topic = plan.topicParts[0];
      for (size_t p = 1; p < plan.topicParts.size(); p++) topic.append(label).append(plan.topicParts[p]);
      if (plan.topicParts.size() > 1 && !ValidTopic(topic)) {
        stop = kUnsupported;  // the JS encoder drops it, with its error
        break;
      }
      rd_kafka_topic_t*& rkt = topics[topic];
      if (rkt == nullptr) {
        rkt = rd.topic_new(rk, topic.c_str(), nullptr);
        if (rkt == nullptr) {
          topics.erase(topic);
          stop = rd.last_error();
          break;
        }
      }
      size_t headerCount = plan.statics.size() + ((plan.flags & kHeaderContentType) != 0) + ((plan.flags & kHeaderLogId) != 0) +
                           ((plan.flags & kHeaderLevel) != 0);
      rd_kafka_headers_t* hs = nullptr;
      if (headerCount > 0) {
        hs = rd.headers_new(headerCount);
        for (const auto& h : plan.statics) rd.header_add(hs, h.first.data(), h.first.size(), h.second.data(), h.second.size());
        if (plan.flags & kHeaderContentType) rd.header_add(hs, kContentTypeHeader, Len(kContentTypeHeader), kContentTypeJson, Len(kContentTypeJson));
        if (plan.flags & kHeaderLogId) {
          NextLogId(logId, now);
          rd.header_add(hs, kLogIdHeader, Len(kLogIdHeader), logId, kLogIdLength);
        }
        if (plan.flags & kHeaderLevel) rd.header_add(hs, kLevelHeader, Len(kLevelHeader), label.data(), label.size());
      }
      bool late = false;
      int64_t stamp = Stamp(EpochMs(head.time), window, &late);
      rd_kafka_resp_err_t err = rd.producev(rk,
          RD_KAFKA_V_RKT(rkt),
          RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(line), length),
          RD_KAFKA_V_KEY(keyData, keyLength),
          RD_KAFKA_V_TIMESTAMP(stamp),
          RD_KAFKA_V_HEADERS(hs),
          RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (hs != nullptr) rd.headers_destroy(hs);  // not taken: still ours
        stop = err;
        break;
      }
      records++;
      if (late) replaced++;
      bytes += static_cast<double>(length);
      at = next;
    }
    for (auto& t : topics) rd.topic_destroy(t.second);
    out[0] = static_cast<double>(at);
    out[1] = records;
    out[2] = bytes;
    out[3] = stop;
    out[4] = replaced;
  });
  return js::Undefined(env);
}

}  // namespace klt
