/**
 * The server's log: one line per meaningful event on stderr, filtered by level, as text or as
 * JSON objects (`--log-format`).
 *
 * @module
 */

import type { LogFormat, LogLevel } from "./options.ts";

/** Where log lines go; stderr by default, a collector in tests. */
export type LogSink = (line: string) => void;

/**
 * What a line is about, besides its sentence: room and member names, an address, a reason, a
 * count. JSON lines carry them as fields; text lines only say them in the sentence. Never a
 * whole token or a password: `tokenPrefix` from the state module at most.
 */
export type LogFields = Readonly<Record<string, string | number>>;

/** How lines are written. */
export interface LogStyle {
  /** Text sentences or JSON objects. */
  readonly format: LogFormat;
  /** Whether text lines start with the time (JSON lines always have it). */
  readonly timestamps: boolean;
  /** The clock the time comes from, in ms since the epoch. */
  readonly now: () => number;
}

/** Plain text without time, as a terminal shows it: the style when none is given. */
export const TERMINAL_STYLE: LogStyle = { format: "text", timestamps: false, now: Date.now };

const LEVEL_RANK: Record<LogLevel, number> = { quiet: 0, normal: 1, verbose: 2 };
/** A line's level as JSON names it: the names log shippers know (verbose is their debug). */
type LineLevel = "error" | "info" | "debug";
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
 * log.info("room created", { room: "lobby" }); // "kaiwa: room created" on stderr
 * log.verbose("dropped");   // nothing at level normal
 * const json = new Logger("normal", stderrSink, { ...TERMINAL_STYLE, format: "json" });
 * json.info("room created", { room: "lobby" });
 * // {"time":"2026-11-29T19:24:04.123Z","level":"info","msg":"room created","room":"lobby"}
 * ```
 */
export class Logger {
  readonly #rank: number;
  readonly #sink: LogSink;
  readonly #style: LogStyle;

  /** Creates a logger that keeps lines up to `level`, written in `style`. */
  constructor(level: LogLevel, sink: LogSink = stderrSink, style: LogStyle = TERMINAL_STYLE) {
    this.#rank = LEVEL_RANK[level];
    this.#sink = sink;
    this.#style = style;
  }

  /** Errors: always logged, even with --quiet. */
  error(message: string, fields?: LogFields): void {
    this.#write("error", message, fields);
  }

  /**
   * A line logged even with --quiet that is no error: the listening line, by which scripts learn
   * that the server is ready.
   */
  always(message: string, fields?: LogFields): void {
    this.#write("info", message, fields);
  }

  /** Normal events: listening, rooms created and closed, members joining and leaving, refusals. */
  info(message: string, fields?: LogFields): void {
    if (this.#rank >= LEVEL_RANK.normal) this.#write("info", message, fields);
  }

  /** Details only --verbose shows: dropped datagrams, refused connections and the like. */
  verbose(message: string, fields?: LogFields): void {
    if (this.#rank >= LEVEL_RANK.verbose) this.#write("debug", message, fields);
  }

  /** True when verbose lines are kept, so callers can skip building them. */
  get isVerbose(): boolean {
    return this.#rank >= LEVEL_RANK.verbose;
  }

  #write(level: LineLevel, msg: string, fields: LogFields | undefined): void {
    const style = this.#style;
    if (style.format === "json") {
      const time = new Date(style.now()).toISOString();
      // time, level and msg first, and never overwritten by a field of the same name.
      this.#sink(JSON.stringify(Object.assign({ time, level, msg }, fields, { time, level, msg })));
    } else if (style.timestamps) {
      this.#sink(`${new Date(style.now()).toISOString()} ${PREFIX}${msg}`);
    } else {
      this.#sink(PREFIX + msg);
    }
  }
}
