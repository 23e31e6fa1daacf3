// Preloaded into the soak's tutorial process (`--expose-gc --import`): on
// SIGUSR2 it runs a full collection and prints what the process still holds
// (V8 heap plus memory outside it: Buffers, ArrayBuffers). That figure is the
// leak signal; RSS follows the collector's sawtooth and the allocator's
// caching, so it moves by tens of percent without a leak.
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(`SOAK_RETAINED ${m.heapUsed + m.external}\n`);
});
