/**
 * The error for a bad command line.
 *
 * @module
 */

/**
 * A command line `kaiwa` cannot run: an unknown flag or subcommand, a missing or bad value, flags
 * that exclude each other. `main.ts` prints its message on one line, then {@linkcode usage} (or
 * the top-level usage when it is empty), and exits with `ExitCode.Usage`; never a stack trace.
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
