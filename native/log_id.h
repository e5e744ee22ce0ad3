// Time-ordered UUIDv7 log ids made natively, as lib/core/record/log-id.ts makes them in JS:
// 48-bit Unix ms, then a counter seeded randomly each ms (RFC 9562, method 1), then random.
#pragma once
#include <cstddef>
#include <cstdint>

namespace klt {

/** Length of a log id's text (8-4-4-4-12 hex). */
constexpr size_t kLogIdLength = 36;

/** The wall clock in Unix ms (read once per batch of ids: they need no finer time). */
int64_t NowMs();

/** Write the next log id's text (kLogIdLength chars, no terminator) to `out`; `nowMs` from NowMs(). */
void NextLogId(char* out, int64_t nowMs);

}  // namespace klt
