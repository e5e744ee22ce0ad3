/**
 * Call `logOne(i)` for i = 0..n-1 in bursts of 1000, with setImmediate between bursts (so a
 * worker, I/O and timers get their turn, as in a busy service). Resolves with the time spent
 * inside the calls, in ms.
 */
export function logInBursts (n, logOne) {
  let inCalls = 0
  let i = 0
  return new Promise((resolve) => {
    const burst = () => {
      const b0 = performance.now()
      for (let k = 0; k < 1000 && i < n; k++, i++) logOne(i)
      inCalls += performance.now() - b0
      if (i < n) setImmediate(burst)
      else resolve(inCalls)
    }
    burst()
  })
}
