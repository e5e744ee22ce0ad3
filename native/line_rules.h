// Generated from lib/core/record/line-rules.ts by `npm run gen:rules`: do not edit.
// The rules the JS encoder and the native line path share (issue #28).
#pragma once
#include <cstddef>
#include <cstdint>

namespace klt {
namespace rules {

constexpr char kHeadLevel[] = "{\"level\":";
constexpr char kHeadTime[] = ",\"time\":";
constexpr const char* kHeadLater[] = {"\"level\"", "\"time\"", "\\u"};
constexpr size_t kHeadLaterCount = 3;
constexpr size_t kHeadTimeDigits = 17;
constexpr size_t kHeadLevelDigits = 15;

constexpr double kSecondsBelow = 100000000000.0;
constexpr double kMicrosAbove = 100000000000000.0;
constexpr double kNanosAbove = 100000000000000000.0;

constexpr size_t kTopicMax = 249;
constexpr char kTopicChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
constexpr char kTraceNeedle[] = "\"trace";

constexpr char kContentTypeHeader[] = "content-type";
constexpr char kContentTypeJson[] = "application/json";
constexpr char kLogIdHeader[] = "log-id";
constexpr char kLevelHeader[] = "level";

constexpr uint32_t kKeyNone = 0;
constexpr uint32_t kKeyConstant = 1;
constexpr uint32_t kKeyField = 2;
constexpr uint32_t kHeaderContentType = 1;
constexpr uint32_t kHeaderLogId = 2;
constexpr uint32_t kHeaderLevel = 4;
constexpr uint32_t kHeaderTraceparent = 8;

constexpr int32_t kLinesEnd = 0;
constexpr int32_t kLinesUnsupported = 1;
constexpr int32_t kNotConnected = -1;

}  // namespace rules
}  // namespace klt
