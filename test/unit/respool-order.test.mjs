// Timed-out records go back to the spool in the order they were handed to librdkafka, however
// librdkafka orders its reports (it reports records already in a request after queued ones).
import t from 'tap'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { RespoolOrder } = require('../../dist/core/spool/respool-order.js')

const records = (n) => Array.from({ length: n }, (_, i) => ({ seq: i }))

t.test('a record that times out waits for the reports of every record handed over before it', async (t) => {
  const order = new RespoolOrder()
  const rs = records(5)
  for (const r of rs) order.handedOver(r)
  const spooled = []
  const respool = (r) => spooled.push(r.seq)
  // librdkafka: the queued ones (2, 3, 4) time out first, the two in a request (0, 1) later
  for (const i of [2, 3, 4]) order.reported(rs[i], true, respool)
  t.same(spooled, [], 'none goes before 0 and 1 are reported')
  t.equal(order.held, 3)
  order.reported(rs[1], true, respool)
  t.same(spooled, [])
  order.reported(rs[0], true, respool)
  t.same(spooled, [0, 1, 2, 3, 4], 'then all, in the order handed over')
  t.equal(order.held, 0)
})

t.test('a delivered or failed record ahead lets the timed-out ones behind it go', async (t) => {
  const order = new RespoolOrder()
  const rs = records(4)
  for (const r of rs) order.handedOver(r)
  const spooled = []
  const respool = (r) => spooled.push(r.seq)
  order.reported(rs[1], true, respool)
  order.reported(rs[3], true, respool)
  order.reported(rs[0], false, respool)
  t.same(spooled, [1], '1 goes once 0 is delivered; 3 still waits for 2')
  order.reported(rs[2], false, respool)
  t.same(spooled, [1, 3])
})

t.test('a record it never saw handed over goes at once; release() hands over what waits, oldest first', async (t) => {
  const order = new RespoolOrder()
  const rs = records(4)
  const spooled = []
  const respool = (r) => spooled.push(r.seq)
  order.reported({ seq: 'unknown' }, true, respool)
  t.same(spooled, ['unknown'])
  for (const r of rs) order.handedOver(r)
  order.reported(rs[3], true, respool)
  order.reported(rs[2], true, respool)
  const left = []
  order.release((r) => left.push(r.seq))
  t.same(left, [2, 3], 'at close: the waiting ones, in order; 0 and 1 are still in librdkafka')
  t.equal(order.held, 0)
  order.reported(rs[0], true, respool)
  t.same(spooled, ['unknown', 0], 'a report after release goes at once')
})

t.test('many records, reported out of order in waves while more are handed over: timed-out ones come out in order, each once', async (t) => {
  const order = new RespoolOrder()
  const spooled = []
  const respool = (r) => spooled.push(r.seq)
  let next = 0
  let timedOut = 0
  const outstanding = []
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  for (let wave = 0; wave < 200; wave++) {
    for (let i = 0; i < 100; i++) {
      const r = { seq: next++ }
      order.handedOver(r)
      outstanding.push(r)
    }
    // report about half of what is outstanding, picked at random; a third of them time out
    for (let i = outstanding.length / 2; i > 0; i--) {
      const [r] = outstanding.splice(Math.floor(random() * outstanding.length), 1)
      const out = random() < 1 / 3
      if (out) timedOut++
      order.reported(r, out, respool)
    }
  }
  for (const r of outstanding.splice(0)) {
    timedOut++
    order.reported(r, true, respool)
  }
  t.equal(order.held, 0, 'nothing left waiting once every record is reported')
  t.same(spooled, [...spooled].sort((a, b) => a - b), 'spooled in the order handed over')
  t.equal(new Set(spooled).size, spooled.length, 'each once')
  t.equal(spooled.length, timedOut, `every timed-out record (${timedOut} of ${next})`)
})
