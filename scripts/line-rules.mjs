#!/usr/bin/env node
// Writes native/line_rules.h from lib/core/record/line-rules.ts (built into dist/): the one
// source of the rules the JS encoder and the native line path share (issue #28).
//   node scripts/line-rules.mjs          write the header
//   node scripts/line-rules.mjs --check  exit 1 when the header is not what the rules give
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const HEADER = path.join(root, 'native', 'line_rules.h')
const r = createRequire(import.meta.url)(path.join(root, 'dist', 'core', 'record', 'line-rules.js'))

const text = (s) => JSON.stringify(s) // ASCII only: JSON's escapes are C's
const real = (n) => Number.isInteger(n) ? `${n}.0` : String(n)
const name = (s) => s.replace(/(^|[-_ ])([a-z])/g, (_m, _s, c) => c.toUpperCase())

export function header () {
  for (const s of [r.HEAD_LEVEL, r.HEAD_TIME, ...r.HEAD_LATER, r.TOPIC_CHARS, r.TRACE_NEEDLE]) {
    if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`a rule that is not printable ASCII: ${text(s)}`)
  }
  return [
    '// Generated from lib/core/record/line-rules.ts by `npm run gen:rules`: do not edit.',
    '// The rules the JS encoder and the native line path share (issue #28).',
    '#pragma once',
    '#include <cstddef>',
    '#include <cstdint>',
    '',
    'namespace klt {',
    'namespace rules {',
    '',
    `constexpr char kHeadLevel[] = ${text(r.HEAD_LEVEL)};`,
    `constexpr char kHeadTime[] = ${text(r.HEAD_TIME)};`,
    `constexpr const char* kHeadLater[] = {${r.HEAD_LATER.map(text).join(', ')}};`,
    `constexpr size_t kHeadLaterCount = ${r.HEAD_LATER.length};`,
    `constexpr size_t kHeadTimeDigits = ${r.HEAD_TIME_DIGITS};`,
    `constexpr size_t kHeadLevelDigits = ${r.HEAD_LEVEL_DIGITS};`,
    '',
    `constexpr double kSecondsBelow = ${real(r.SECONDS_BELOW)};`,
    `constexpr double kMicrosAbove = ${real(r.MICROS_ABOVE)};`,
    `constexpr double kNanosAbove = ${real(r.NANOS_ABOVE)};`,
    '',
    `constexpr size_t kTopicMax = ${r.TOPIC_MAX};`,
    `constexpr char kTopicChars[] = ${text(r.TOPIC_CHARS)};`,
    `constexpr char kTraceNeedle[] = ${text(r.TRACE_NEEDLE)};`,
    '',
    `constexpr char kContentTypeHeader[] = ${text(r.CONTENT_TYPE_HEADER)};`,
    `constexpr char kContentTypeJson[] = ${text(r.CONTENT_TYPE_JSON)};`,
    `constexpr char kLogIdHeader[] = ${text(r.LOG_ID_HEADER)};`,
    `constexpr char kLevelHeader[] = ${text(r.LEVEL_HEADER)};`,
    '',
    ...Object.entries(r.LINE_KEY).map(([k, v]) => `constexpr uint32_t kKey${name(k)} = ${v};`),
    ...Object.entries(r.LINE_HEADER).map(([k, v]) => `constexpr uint32_t kHeader${name(k)} = ${v};`),
    '',
    `constexpr int32_t kLinesEnd = ${r.LINES_END};`,
    `constexpr int32_t kLinesUnsupported = ${r.LINES_UNSUPPORTED};`,
    `constexpr int32_t kNotConnected = ${r.BATCH_NOT_CONNECTED};`,
    '',
    '}  // namespace rules',
    '}  // namespace klt',
    ''
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const want = header()
  if (process.argv.includes('--check')) {
    let have = ''
    try {
      have = readFileSync(HEADER, 'utf8')
    } catch {
      // no header yet: not what the rules give
    }
    if (have !== want) {
      process.stderr.write('native/line_rules.h is not what lib/core/record/line-rules.ts gives: run `npm run build && npm run gen:rules`\n')
      process.exit(1)
    }
  } else {
    writeFileSync(HEADER, want)
  }
}
