import type { ResolvedOptions } from '../config/options'
import { HOST, TOPIC_RE } from './record'
import { LINE_HEADER, LINE_KEY } from './line-rules'

/**
 * What the native line path (native/lines.cc) needs to turn a pino line into the record
 * the JS encoder would make of it, with no JS per line: the topic (split at each `{level}`),
 * the key, the headers and the level names. Made once per producer and level map.
 */
export interface LinePlan {
  topicParts: string[]
  /** LINE_KEY: none, constant, or a field. */
  keyKind: number
  /** The constant key (hostname), or the key field's name. */
  keyText: string
  /** Static headers: name, value, name, value, ... */
  statics: string[]
  /** LINE_HEADER bits. */
  flags: number
  /** Level numbers and their names: level, label, level, label, ... */
  labels: Array<number | string>
  maxBytes: number
}

export { LINE_HEADER, LINE_KEY } from './line-rules'

/**
 * The plan for these options, or undefined when the native line path cannot give what
 * the JS encoder gives: OTLP encodings, a function for the topic or key, a nested key
 * field, a topic template with fields other than `{level}`. (Lines it does not handle
 * one by one, such as lines without pino's head, it hands back to the JS encoder.)
 */
export function linePlan (o: ResolvedOptions, labels: Readonly<Record<number, string>>): LinePlan | undefined {
  if (o.encoding !== 'raw' || typeof o.topic !== 'string' || typeof o.key !== 'string') return undefined
  const topicParts = o.topic.split('{level}')
  if (topicParts.some((p) => p.includes('{') || p.includes('}'))) return undefined
  // a constant topic is checked here once; a {level} one natively, per record
  if (topicParts.length === 1 && !TOPIC_RE.test(o.topic)) return undefined
  let keyKind: number = LINE_KEY.field
  let keyText = o.key
  if (o.key === 'none') {
    keyKind = LINE_KEY.none
    keyText = ''
  } else if (o.key === 'hostname') {
    keyKind = LINE_KEY.constant
    keyText = HOST
  } else if (o.key.includes('.') || o.key === '') {
    return undefined
  }
  return {
    topicParts,
    keyKind,
    keyText,
    statics: Object.entries(o.headers).flat(),
    // the lines it reads are JSON lines
    flags: o.logHeaders.json.reduce((bits, h) => bits | LINE_HEADER[h], 0),
    labels: Object.entries(labels).flatMap(([level, label]) => [Number(level), label]),
    maxBytes: o.maxMessageBytes
  }
}
