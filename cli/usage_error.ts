/**
 * The error for a bad command line.
 *
 * @module
 */

/**
 * A command line `kaiwa` cannot run: an unknown flag or subcommand, a missing or bad value, flags
 * that exclude each other. `main.ts` prints its message on one line, then the synopsis of
 * {@linkcode usage} and where the help is ({@linkcode usageHint}), and exits with
 * `ExitCode.Usage`; never a stack trace.
 * `kaiwa join` finds a few only once it runs (pipe mode without ROOM, an empty stdin for
 * `--password-stdin`): it prints the message alone, with the same exit code.
 *
 * @example
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 * throw new UsageError("--quiet and --verbose exclude each other");
 * ```
 */
export class UsageError extends Error {
  /** The help text of the command the error is about; empty until the command is known. */
  readonly usage: string;

  /** Creates a usage error; `usage` names the command's help text when the caller knows it. */
  constructor(message: string, usage = "", options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/** The command a help text is about, from its first line "Usage: kaiwa join …". */
const USAGE_COMMAND = /^Usage: kaiwa ([a-z]+)/;

/**
 * What a usage error prints after its message: the help text's first line (the synopsis) and
 * the command that shows the whole help, instead of the whole help.
 *
 * @example
 * ```ts
 * import { usageHint } from "./usage_error.ts";
 * usageHint("Usage: kaiwa join [ROOM] [flags]\n\n…");
 * // "Usage: kaiwa join [ROOM] [flags]\nRun 'kaiwa help join' for the flags and details."
 * ```
 */
export function usageHint(usage: string): string {
  const synopsis = usage.split("\n", 1)[0];
  const command = USAGE_COMMAND.exec(synopsis)?.[1];
  const help = command === undefined ? "kaiwa help" : `kaiwa help ${command}`;
  return `${synopsis}\nRun '${help}' for the flags and details.`;
}
