/**
 * The rules the JS encoder and the native line path (native/lines.cc) both apply to a log
 * line, written once (issue #28). The JS code imports them from here; the C++ reads them from
 * native/line_rules.h, which `npm run gen:rules` writes from this file (scripts/line-rules.mjs).
 * A unit test fails when that header is not what this file gives. Rules written as code on
 * both sides (the walks over a line) are held together by the differential test
 * (test/unit/native-differential.test.mjs).
 */

/** How a pino line starts, and what follows its level: `{"level":N,"time":T`. */
export const HEAD_LEVEL = '{"level":'
export const HEAD_TIME = ',"time":'
/** After the head, any of these sends the line to the full scan: a second level or time could follow (JSON.parse takes the last), or a \u escape could spell one. */
export const HEAD_LATER = Object.freeze(['"level"', '"time"', '\\u'])
/** At most this many digits of a head's time are read natively (more are beyond exact doubles). */
export const HEAD_TIME_DIGITS = 17
/** At most this many digits of a head's numeric level are looked up natively. */
export const HEAD_LEVEL_DIGITS = 15

/** Epoch numbers below this are seconds (1e11 ms is in 1973)... */
export const SECONDS_BELOW = 1e11
/** ...above this microseconds... */
export const MICROS_ABOVE = 1e14
/** ...and above this nanoseconds; in between, milliseconds. */
export const NANOS_ABOVE = 1e17

/** A Kafka topic name: 1 to this many of TOPIC_CHARS. */
export const TOPIC_MAX = 249
export const TOPIC_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-'
/** A valid Kafka topic name, as a RegExp. */
export const TOPIC_RE = new RegExp(`^[${TOPIC_CHARS.replace(/[\]\\^-]/g, '\\$&')}]{1,${TOPIC_MAX}}$`)

/** A line mentioning this may carry trace fields (trace_id, traceId): for the JS encoder when traceparent headers are on. */
export const TRACE_NEEDLE = '"trace'

/** The per-record headers the line path makes, with their fixed values. */
export const CONTENT_TYPE_HEADER = 'content-type'
export const CONTENT_TYPE_JSON = 'application/json'
export const LOG_ID_HEADER = 'log-id'
export const LEVEL_HEADER = 'level'

/** LinePlan.keyKind: no key, a constant key, or a top-level field. */
export const LINE_KEY = Object.freeze({ none: 0, constant: 1, field: 2 })

/** Per-record headers the native path makes (bits of LinePlan.flags). */
export const LINE_HEADER = Object.freeze({ 'content-type': 1, 'log-id': 2, level: 4, traceparent: 8 })

/** Why the native line path stopped: every complete line was taken. */
export const LINES_END = 0
/** ... the line where it stopped is for the JS encoder (or the path was not usable now). */
export const LINES_UNSUPPORTED = 1
/** ... the producer's handle is gone (closing): the records stay with the caller. */
export const BATCH_NOT_CONNECTED = -1
