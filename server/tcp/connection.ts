/**
 * A TCP connection's life as the server sees it: a deadline that closes it, a quiet close, and
 * which errors are the connection's own end rather than a fault of the server.
 *
 * @module
 */

/** Anything that closes: a `Deno.Conn`, or a TLS session over one. */
export interface Closable {
  close(): void;
}

/** Closes a connection that may already be closed. */
export function closeQuietly(conn: Closable): void {
  try {
    conn.close();
  } catch {
    // Already closed: by the deadline, by the peer, or by the server shutting down.
  }
}

/** Closes a connection when its time is up, which makes any pending read fail. */
export class Deadline {
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** True once the deadline closed the connection. */
  expired = false;

  /** A deadline for `conn`, not started. */
  constructor(readonly conn: Closable) {}

  /** Starts the deadline again: the connection closes `ms` milliseconds from now. */
  restart(ms: number): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.expired = true;
      closeQuietly(this.conn);
    }, ms);
  }

  /** Stops the deadline. */
  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * The errors a connection's own I/O ends with: the peer went away, or the deadline closed it.
 * Anything else escaping a session is a fault of the server.
 */
const CONNECTION_ERRORS: readonly (new (...args: never[]) => Error)[] = [
  Deno.errors.BadResource,
  Deno.errors.BrokenPipe,
  Deno.errors.ConnectionAborted,
  Deno.errors.ConnectionReset,
  Deno.errors.Interrupted,
  Deno.errors.NotConnected,
  Deno.errors.TimedOut,
  Deno.errors.UnexpectedEof,
];

/** True when `error` is the connection ending (reset, closed, timed out), not a server fault. */
export function isConnectionError(error: unknown): boolean {
  return CONNECTION_ERRORS.some((type) => error instanceof type);
}
