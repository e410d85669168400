/**
 * Stops provider requests whose call was cancelled by looking at their signals every few milliseconds,
 * rather than listening to each one. On Node 20 the first "abort" listener on a fresh AbortSignal (the
 * SDK makes one per request) costs more CPU than the rest of mediagate's own work on a call
 * (bench/README.md); a look at `signal.aborted` costs next to nothing. The sweep runs only while requests are in
 * flight, and a cancelled request stops within one period.
 */

/** How often in-flight requests are checked for a cancelled call, in ms. */
const cancelCheckMs = 20;

interface Watch {
  signal: AbortSignal;
  stop(reason: unknown): void;
}

const watched = new Set<Watch>();
let sweep: NodeJS.Timeout | undefined;

function check(): void {
  for (const watch of watched) {
    if (!watch.signal.aborted) continue;
    watched.delete(watch);
    watch.stop(watch.signal.reason);
  }
  if (watched.size === 0 && sweep !== undefined) {
    clearInterval(sweep);
    sweep = undefined;
  }
}

/**
 * Calls `stop` with the signal's reason once `signal` is aborted, until the returned function is called.
 * A signal aborted already is stopped at once.
 */
export function watchCancel(signal: AbortSignal, stop: (reason: unknown) => void): () => void {
  if (signal.aborted) {
    stop(signal.reason);
    return () => undefined;
  }
  const watch: Watch = { signal, stop };
  watched.add(watch);
  // Unref'd: a request in flight keeps the process alive by its socket, not by this check.
  sweep ??= setInterval(check, cancelCheckMs).unref();
  return () => {
    watched.delete(watch);
  };
}
