/**
 * Refusal lines, limited per source: at most N lines per IP per minute, then one summary line
 * for the rest. A join flood with 255-byte names made 37 MB of log for 40 MB of attack traffic
 * (issue 10, #11); now a source costs at most N + 1 lines a minute.
 *
 * @module
 */

import type { LogFields, Logger } from "./log.ts";

/** The window each IP's lines are counted in. */
export const REFUSAL_WINDOW_MS = 60_000;
/**
 * Most IPs tracked at once. Past it, refusals from IPs not tracked are only counted, and summed
 * up in one line a minute: the table stays bounded whatever the number of sources.
 */
export const MAX_REFUSAL_SOURCES = 1_000;

/** How a refusal would be logged without the limit. */
export type RefusalLevel = "info" | "verbose";

interface Window {
  start: number;
  logged: number;
  suppressed: number;
  /** The summary's level: info when any refusal it sums up would have been an info line. */
  level: RefusalLevel;
}

/**
 * Logs refusals, at most `perMinute` lines per IP per {@link REFUSAL_WINDOW_MS}; the rest of a
 * window are summed up in one line when it ends (on the next refusal from that IP, or the sweep).
 *
 * @example
 * ```ts
 * const refusals = new RefusalLog(log, Date.now, 10);
 * refusals.refused("192.0.2.7", "info", "refused operation 2 from 192.0.2.7: WrongPassword");
 * ```
 */
export class RefusalLog {
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #perMinute: number;
  readonly #windows = new Map<string, Window>();
  /** Refusals from IPs the table had no room for, since `#overflowStart`. */
  #overflow = 0;
  #overflowStart = 0;

  /** Writes on `log` at most `perMinute` lines per IP per minute, by the clock `now`. */
  constructor(log: Logger, now: () => number, perMinute: number) {
    this.#log = log;
    this.#now = now;
    this.#perMinute = perMinute;
  }

  /** IPs tracked now; at most {@link MAX_REFUSAL_SOURCES}. */
  get tracked(): number {
    return this.#windows.size;
  }

  /** Logs (or counts) one refusal of `ip`, described by `line`, at `level`. */
  refused(ip: string, level: RefusalLevel, line: string): void {
    const now = this.#now();
    let window = this.#windows.get(ip);
    if (window !== undefined && now - window.start >= REFUSAL_WINDOW_MS) {
      this.#close(ip, window);
      window = undefined;
    }
    if (window === undefined) {
      if (this.#windows.size >= MAX_REFUSAL_SOURCES) this.sweep(now);
      if (this.#windows.size >= MAX_REFUSAL_SOURCES) {
        if (this.#overflow === 0) this.#overflowStart = now;
        this.#overflow += 1;
        return;
      }
      window = { start: now, logged: 0, suppressed: 0, level: "verbose" };
      this.#windows.set(ip, window);
    }
    if (window.logged < this.#perMinute) {
      window.logged += 1;
      this.#write(level, line, ip);
    } else {
      window.suppressed += 1;
      if (level === "info") window.level = "info";
    }
  }

  /** Ends the windows that are over, writing their summaries; call it about once a second. */
  sweep(now: number): void {
    for (const [ip, window] of this.#windows) {
      if (now - window.start >= REFUSAL_WINDOW_MS) this.#close(ip, window);
    }
    if (this.#overflow > 0 && now - this.#overflowStart >= REFUSAL_WINDOW_MS) {
      this.#log.info(
        `${this.#overflow} refusals from more than ${MAX_REFUSAL_SOURCES} other IPs were not ` +
          `logged in the last minute`,
        { event: "refusals not logged", count: this.#overflow },
      );
      this.#overflow = 0;
    }
  }

  #close(ip: string, window: Window): void {
    this.#windows.delete(ip);
    if (window.suppressed === 0) return;
    this.#write(
      window.level,
      `… ${window.suppressed} more refusals from ${ip} in the last minute were not logged`,
      ip,
      window.suppressed,
    );
  }

  /** Writes `line` about `ip`; `unlogged` counts the refusals a summary line sums up. */
  #write(level: RefusalLevel, line: string, ip: string, unlogged?: number): void {
    const fields: LogFields = unlogged === undefined
      ? { event: "refused", address: ip }
      : { event: "refusals not logged", address: ip, count: unlogged };
    if (level === "info") this.#log.info(line, fields);
    else this.#log.verbose(line, fields);
  }
}
