// Loaded with --import into a real (compiled) entry point by a test: on SIGWINCH the process
// throws an error nobody catches, the way a bug in a callback would. Plain JavaScript, so the
// child needs no TypeScript loader.
process.on('SIGWINCH', () => {
  setImmediate(() => {
    throw new Error('uncaught on purpose')
  })
})
