// Log lines straight from bytes to librdkafka (issue #18): see lines.cc.
#pragma once
#include <node_api.h>
#include <cstdint>
#include "line_rules.h"

namespace klt {

using rules::kNotConnected;

// kNotConnected (line_rules.h): the stop code when the handle is gone (released, or the
// producer is closing): the records stay with the caller.

napi_value MakeLinePlan(napi_env env, napi_callback_info info);
napi_value ProduceLines(napi_env env, napi_callback_info info);

}  // namespace klt
