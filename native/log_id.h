// Time-ordered UUIDv7 log ids made natively, as lib/core/record/log-id.ts makes them in JS:
// 48-bit Unix ms, then a counter seeded randomly each ms (RFC 9562, method 1), then random.
#pragma once
#include <cstddef>

namespace klt {

/** Length of a log id's text (8-4-4-4-12 hex). */
constexpr size_t kLogIdLength = 36;

/** Write the next log id's text (kLogIdLength chars, no terminator) to `out`. */
void NextLogId(char* out);

}  // namespace klt
