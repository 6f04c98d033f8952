/**
 * Let other work (I/O, timers, a browser's rendering) run before going on, from long loops such
 * as training epochs. Node's setImmediate where there is one: a timer would add Node's 1 ms
 * minimum to every call. Browsers have no setImmediate and take a zero-delay timer.
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown })
    .setImmediate;
  return new Promise(resolve => {
    if (immediate) {
      immediate(resolve);
    } else {
      setTimeout(resolve, 0);
    }
  });
}
