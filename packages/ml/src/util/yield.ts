/**
 * Training runs on the server's event loop; awaiting this between folds and optimiser chunks lets HTTP requests
 * through. `setImmediate` (not a resolved promise) because microtasks would starve I/O callbacks.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
