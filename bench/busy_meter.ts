/**
 * How much of its wall time a load generator thread is busy: everything but the time it spends
 * blocked waiting for datagrams or for its next message to be due (in `epoll_wait`). Time the
 * thread is ready to run but the machine's cores are taken counts as busy too: either way the
 * generator has no headroom. A thread busy nearly all the time cannot go faster, so a rate it
 * reached says nothing about the server.
 *
 * @module
 */

const PERCENT = 100;

/** Accumulates the waits of one thread; busy is the rest of the wall time. */
export class BusyMeter {
  #waitedMs = 0;
  #waitedAtStart = 0;
  #wallAtStart = 0;

  /** Counts `ms` spent blocked, waiting for something to do. */
  addWait(ms: number): void {
    this.#waitedMs += ms;
  }

  /** Starts a measurement window now. */
  start(): void {
    this.#waitedAtStart = this.#waitedMs;
    this.#wallAtStart = performance.now();
  }

  /** The share of the wall time since {@link start} not spent waiting, percent. */
  busyPercent(): number {
    const wall = performance.now() - this.#wallAtStart;
    if (wall <= 0) return 0;
    return Math.max(0, ((wall - (this.#waitedMs - this.#waitedAtStart)) * PERCENT) / wall);
  }
}
