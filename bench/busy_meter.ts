/**
 * How much of its wall time a load generator thread spends working rather than waiting: the
 * sum of the stretches between a wakeup (a batch of datagrams ready, a send tick due) and the
 * next wait. A thread busy nearly all the time cannot go faster, so a rate it reached says
 * nothing about the server.
 *
 * @module
 */

/** Accumulates busy time, ms; `start` at a wakeup, `stop` before the next wait. */
export class BusyMeter {
  /** Busy time so far, ms. */
  busyMs = 0;

  /** The time now, to hand back to {@link stop}. */
  start(): number {
    return performance.now();
  }

  /** Adds the time since `startedAt` (from {@link start}). */
  stop(startedAt: number): void {
    this.busyMs += performance.now() - startedAt;
  }
}
