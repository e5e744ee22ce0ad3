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
