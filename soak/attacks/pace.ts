/**
 * The attacks' one load loop: start tasks at a steady rate, with a bound on how many run at
 * once and on how many start in all, until a signal stops it. Every attack loop goes through
 * this, so none can run away.
 *
 * @module
 */

import { MS_PER_SECOND } from "../../util/mod.ts";

/** How often the pacer wakes to start the tasks that have come due. */
const TICK_MS = 10;

/** How a paced load runs. */
export interface PaceOptions {
  /** Tasks started per second. */
  readonly rate: number;
  /** Most tasks running at once; a task that comes due while this many run is skipped. */
  readonly maxInFlight: number;
  /** Most tasks started in all. */
  readonly maxCount: number;
  /** Stops starting tasks; the running ones are awaited. */
  readonly signal: AbortSignal;
}

/** What a paced load did. */
export interface PaceResult {
  /** Tasks started. */
  readonly started: number;
  /** Tasks that came due while {@link PaceOptions.maxInFlight} were running. */
  readonly skipped: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Starts `task(0)`, `task(1)`… at `rate` per second until the signal aborts or `maxCount`
 * started, then waits for the running ones. Tasks must end by themselves (each has its own
 * timeout); their errors are swallowed, as an attacker does not care.
 */
export async function paced(
  options: PaceOptions,
  task: (i: number) => Promise<unknown>,
): Promise<PaceResult> {
  const running = new Set<Promise<unknown>>();
  const start = performance.now();
  let due = 0;
  let started = 0;
  let skipped = 0;
  while (!options.signal.aborted && due < options.maxCount) {
    const target = Math.min(
      options.maxCount,
      Math.floor(((performance.now() - start) * options.rate) / MS_PER_SECOND),
    );
    for (; due < target; due++) {
      if (running.size >= options.maxInFlight) {
        skipped++;
        continue;
      }
      const run = task(started++).catch(() => {}).finally(() => running.delete(run));
      running.add(run);
    }
    await sleep(TICK_MS, options.signal);
  }
  await Promise.all(running);
  return { started, skipped };
}

/** Counts the bytes an attack sent, for its traffic figure. */
export class Traffic {
  /** Bytes sent so far. */
  bytes = 0;

  /** Adds `count` bytes. */
  add(count: number): void {
    this.bytes += count;
  }
}
