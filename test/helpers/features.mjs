// What this install's librdkafka was built with, for tests that need a codec or mechanism.
// Present: the test runs as usual. Absent: outside CI the test checks the "feature absent"
// behaviour instead (a ConfigError naming the package that fixes it) and test/run.mjs prints
// one notice at the end; with CI=true a missing feature fails, so nothing ships untested.
import { rdkafkaFeatures } from 'kafka-log-transport'

const build = rdkafkaFeatures()
export const inCI = process.env.CI === 'true'

/** The missing feature's description, or undefined when the build has it. */
export function missingFeature (feature) {
  return build.missing.find((m) => m.feature === feature)
}

/** Has the build `feature`? If not: fail in CI, else say so in the test's output. */
export function hasFeature (t, feature) {
  const m = missingFeature(feature)
  if (m === undefined) return true
  const notice = `this build has no ${feature} (${m.library} was missing when node-rdkafka was built): ${m.fix}`
  if (inCI) t.fail(`CI needs every feature: ${notice}`)
  else t.comment(`feature absent, checking the error instead: ${notice}`)
  return false
}
