// Log lines straight from bytes to librdkafka (issue #18): see lines.cc.
#pragma once
#include <nan.h>

namespace klt {

NAN_METHOD(MakeLinePlan);
NAN_METHOD(ProduceLines);

}  // namespace klt
