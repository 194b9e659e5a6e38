/**
 * Faults: exceptions escaping a request or datagram handler. Each is a bug or an unforeseen
 * input; it is counted and logged, and the server carries on serving everyone else. The log is
 * rate-limited so that a flood of bad input cannot flood the log too.
 *
 * @module
 */

import type { Logger } from "./log.ts";

/** Shortest gap between two logged faults; the ones in between are only counted. */
export const FAULT_LOG_INTERVAL_MS = 1000;

/**
 * Counts faults and logs at most one line per {@link FAULT_LOG_INTERVAL_MS}, saying how many
 * went unlogged since the previous line.
 *
 * @example
 * ```ts
 * const faults = new FaultLog(new Logger("normal"), Date.now);
 * faults.guard("sweep", () => {
 *   throw new Error("Bug");
 * }); // logs "kaiwa: fault in sweep: Error: Bug"
 * faults.count; // 1
 * ```
 */
export class FaultLog {
  readonly #log: Logger;
  readonly #now: () => number;
  #count = 0;
  #unlogged = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;

  /** Creates a fault log that writes on `log` and rate-limits by `now`. */
  constructor(log: Logger, now: () => number) {
    this.#log = log;
    this.#now = now;
  }

  /** Faults reported since the server started. */
  get count(): number {
    return this.#count;
  }

  /** Counts a fault that happened in `where`, and logs it unless one was logged just before. */
  report(where: string, error: unknown): void {
    this.#count += 1;
    const now = this.#now();
    if (now - this.#loggedAt < FAULT_LOG_INTERVAL_MS) {
      this.#unlogged += 1;
      return;
    }
    const more = this.#unlogged > 0 ? ` (${this.#unlogged} more faults were not logged)` : "";
    this.#loggedAt = now;
    this.#unlogged = 0;
    this.#log.error(`fault in ${where}: ${describe(error)}${more}`, {
      event: "fault",
      where,
      error: describe(error),
      count: this.#count,
    });
  }

  /** Runs `work`, reporting what it throws instead of letting it through. */
  guard(where: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.report(where, error);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
