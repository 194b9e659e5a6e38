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

/**
 * How often pending deadlines are checked: a deadline closes its connection at most this late.
 * Connection deadlines are seconds long, so a tenth of a second is no loss of precision.
 */
export const DEADLINE_TICK_MS = 100;

/**
 * The deadlines pending, checked by one interval timer that runs only while there are any. A
 * timer per deadline cost each join about four `setTimeout` and six `clearTimeout` calls
 * (measured: 7% of the server's time filling a room, docs/performance.md).
 */
class DeadlineTicker {
  readonly #pending = new Set<Deadline>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Checks `deadline` on every tick until it is removed. */
  add(deadline: Deadline): void {
    this.#pending.add(deadline);
    this.#timer ??= setInterval(this.#tick, DEADLINE_TICK_MS);
  }

  /** Stops checking `deadline`; the timer stops with the last one. */
  remove(deadline: Deadline): void {
    if (!this.#pending.delete(deadline) || this.#pending.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    const now = Date.now();
    for (const deadline of this.#pending) deadline.check(now);
  };
}

const ticker = new DeadlineTicker();

/** Closes a connection when its time is up, which makes any pending read fail. */
export class Deadline {
  #at = Number.POSITIVE_INFINITY;
  /** True once the deadline closed the connection. */
  expired = false;

  /** A deadline for `conn`, not started. */
  constructor(readonly conn: Closable) {}

  /**
   * Starts the deadline again: the connection closes `ms` milliseconds from now (within
   * {@linkcode DEADLINE_TICK_MS} after).
   */
  restart(ms: number): void {
    this.#at = Date.now() + ms;
    ticker.add(this);
  }

  /** Stops the deadline. */
  clear(): void {
    this.#at = Number.POSITIVE_INFINITY;
    ticker.remove(this);
  }

  /** Closes the connection when the deadline passed at `now` (the ticker's call). */
  check(now: number): void {
    if (now < this.#at) return;
    this.clear();
    this.expired = true;
    closeQuietly(this.conn);
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
