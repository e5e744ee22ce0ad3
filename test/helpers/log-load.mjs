// A steady log load, as a busy service makes it: pino lines of ~250 bytes (an order priced,
// with a request id and a user), `rate` a second, each with its number `i`, written every
// 10 ms. Returns { written(), stop() }.
export function logAtRate (log, rate) {
  const t0 = performance.now()
  const perMs = Number(rate) / 1000
  let i = 0
  const pad = 'x'.repeat(120)
  const tick = setInterval(() => {
    const due = Math.floor((performance.now() - t0) * perMs)
    for (; i < due; i++) log.info({ i, req: { id: `req-${i}`, route: '/api/v1/orders' }, user: { id: i % 5000 }, pad }, 'order priced')
  }, 10)
  return { written: () => i, stop: () => clearInterval(tick) }
}
