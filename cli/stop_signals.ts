/**
 * The process signals that ask `kaiwa` to stop. What stopping means is the command's business
 * (the client leaves the room and restores the terminal; the server tells every member it shuts
 * down); that these signals ask for it, and that the process then ends with the command's own
 * exit code instead of being killed, is the command line's.
 *
 * @module
 */

/**
 * SIGINT, SIGTERM and SIGHUP (the terminal went away; a service manager's reload, which kaiwa
 * has nothing to reload for). In raw mode Ctrl-C is a key, not SIGINT. Windows has only SIGINT
 * and SIGBREAK (Ctrl-Break).
 */
export const STOP_SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/** An `AbortSignal` aborted by the first stop signal, while the listeners are installed. */
export interface StopListener {
  /** Aborted on the first of {@linkcode STOP_SIGNALS}. */
  readonly signal: AbortSignal;
  /** The stop signal that came first, or null while none has. */
  readonly received: Deno.Signal | null;
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
  let received: Deno.Signal | null = null;
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => {
      received ??= signal;
      controller.abort();
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    remove: () => {
      for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    },
  };
}
