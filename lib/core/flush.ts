import { setTimeout as sleep } from 'node:timers/promises'
import type { Waiters } from './bounded'
import type { Sender } from './sender'

const SPOOL_SENT_POLL_MS = 50

/**
 * Everything written so far on its way and acknowledged, by `deadline`: a connection under
 * way comes up (`connected` wakes), the spool is sent, the buffer is handed over, librdkafka
 * flushes. Never rejects; at the deadline it simply returns.
 */
export async function settle (s: Sender, connected: Waiters, deadline: number): Promise<void> {
  const left = (): number => Math.max(0, deadline - Date.now())
  if (!s.conn.ready && (s.buffer.length > 0 || s.spooled > 0)) await connected.wait(left())
  while (s.replayer?.busy === true && s.conn.ready && left() > 0) {
    s.replayer.kick()
    await sleep(Math.min(SPOOL_SENT_POLL_MS, left()))
  }
  await s.buffer.waitEmpty(left())
  // a record Kafka refused for its timestamp is sent again from its report (issue #32):
  // when that happened during a flush, flush again for it
  for (let resent = -1; resent !== s.clock.resent && left() > 0;) {
    resent = s.clock.resent
    await flushNative(s, left())
  }
}

const confirming = new WeakSet<Sender>()

/**
 * With error-only reports, what was handed to librdkafka counts as delivered only at a flush
 * point. Called about once a second: a zero-timeout librdkafka flush tells whether every
 * record handed over so far is acknowledged (or reported failed), and then they count as
 * delivered, so `metrics()` and the exit's "not confirmed" count stay true in an app that
 * never flushes.
 */
export function confirmHandedOver (s: Sender): void {
  if (s.options.deliveryReports !== 'errors' || confirming.has(s) || !s.conn.ready || s.ledger.counters.inflight() === 0) return
  confirming.add(s)
  void flushNative(s, 0).finally(() => { confirming.delete(s) })
}

/**
 * librdkafka's flush: resolves when every record handed over has been acknowledged or has
 * failed (then, with error-only reports, the rest count as delivered), or at the deadline.
 */
function flushNative (s: Sender, timeoutMs: number): Promise<void> {
  const counters = s.ledger.counters
  if (counters.inflight() === 0 || !s.conn.ready) return Promise.resolve()
  const deadline = Date.now() + timeoutMs
  const handedOver = counters.produced
  const resent = s.clock.resent
  return new Promise((resolve) => {
    s.conn.flush(timeoutMs, (err) => {
      // reports fired during the flush reach JS through node-rdkafka's dispatcher: let them land
      const land = (): void => {
        if (s.options.deliveryReports === 'errors') {
          // the rest count as delivered, unless some were refused and are on their way again
          if (!err && s.clock.resent === resent) counters.settle(handedOver)
          resolve()
        } else if (counters.inflight() === 0 || Date.now() >= deadline || !s.conn.ready) {
          resolve()
        } else {
          s.conn.poll()
          setTimeout(land, 1)
        }
      }
      setImmediate(land)
    })
  })
}
