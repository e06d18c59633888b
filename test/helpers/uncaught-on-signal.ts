// Loaded with --import into a real entry point by a test: on SIGWINCH the process throws an
// error nobody catches, the way a bug in a callback would.
process.on('SIGWINCH', () => {
  setImmediate(() => {
    throw new Error('uncaught on purpose')
  })
})
