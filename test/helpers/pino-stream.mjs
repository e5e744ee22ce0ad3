// End a pino stream (worker target, transport, destination) and wait for its 'close':
// pino unrefs its worker, so the test process is kept up meanwhile.
export function endStream (stream) {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1000)
    stream.once('close', () => {
      clearInterval(keepAlive)
      resolve()
    })
    stream.end()
  })
}
