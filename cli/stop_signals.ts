/**
 * The process signals that ask `kaiwa join` to stop. What stopping means is the client's
 * business (leave the room, restore the terminal); that these signals ask for it, and that the
 * process then ends with the join's own exit code instead of being killed, is the command line's.
 *
 * @module
 */

/** SIGINT, SIGTERM and SIGHUP (the terminal went away). In raw mode Ctrl-C is a key, not SIGINT. */
export const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** An `AbortSignal` aborted by the first stop signal, while the listeners are installed. */
export interface StopListener {
  /** Aborted on the first of {@linkcode STOP_SIGNALS}. */
  readonly signal: AbortSignal;
  /** Removes the listeners: the signals regain their default effect (ending the process). */
  remove(): void;
}

/**
 * Listens for {@linkcode STOP_SIGNALS} until `remove()` is called.
 *
 * @example
 * ```ts
 * import { listenForStop } from "./stop_signals.ts";
 * const stop = listenForStop();
 * try {
 *   // ... run something that ends when stop.signal is aborted
 * } finally {
 *   stop.remove();
 * }
 * ```
 */
export function listenForStop(): StopListener {
  const controller = new AbortController();
  const abort = () => controller.abort();
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, abort);
  return {
    signal: controller.signal,
    remove: () => {
      for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, abort);
    },
  };
}
