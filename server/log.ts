/**
 * The server's log: one line per meaningful event on stderr, filtered by level.
 *
 * @module
 */

import type { LogLevel } from "./options.ts";

/** Where log lines go; stderr by default, a collector in tests. */
export type LogSink = (line: string) => void;

const LEVEL_RANK: Record<LogLevel, number> = { quiet: 0, normal: 1, verbose: 2 };
const PREFIX = "kaiwa: ";
const encoder = new TextEncoder();

/** Writes a line to stderr synchronously, so it is never lost when the process exits. */
export const stderrSink: LogSink = (line) => {
  Deno.stderr.writeSync(encoder.encode(`${line}\n`));
};

/**
 * Logs events worth a line. Never pass a whole token: use `tokenPrefix` from the state module.
 *
 * @example
 * ```ts
 * const log = new Logger("normal");
 * log.info("room created"); // "kaiwa: room created" on stderr
 * log.verbose("dropped");   // nothing at level normal
 * ```
 */
export class Logger {
  readonly #rank: number;
  readonly #sink: LogSink;

  /** Creates a logger that keeps lines up to `level`. */
  constructor(level: LogLevel, sink: LogSink = stderrSink) {
    this.#rank = LEVEL_RANK[level];
    this.#sink = sink;
  }

  /** Errors: always logged, even with --quiet. */
  error(message: string): void {
    this.#sink(PREFIX + message);
  }

  /** Normal events: listening, rooms created and closed, members joining and leaving, refusals. */
  info(message: string): void {
    if (this.#rank >= LEVEL_RANK.normal) this.#sink(PREFIX + message);
  }

  /** Details only --verbose shows: dropped datagrams, refused connections and the like. */
  verbose(message: string): void {
    if (this.#rank >= LEVEL_RANK.verbose) this.#sink(PREFIX + message);
  }

  /** True when verbose lines are kept, so callers can skip building them. */
  get isVerbose(): boolean {
    return this.#rank >= LEVEL_RANK.verbose;
  }
}
