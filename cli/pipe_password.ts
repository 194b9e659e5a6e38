/**
 * The room password in pipe mode, where nobody can type it: from an environment variable or the
 * first line of stdin, as the password flags say.
 *
 * @module
 */

import { type LineReader, type PasswordSource, readPasswordFromEnv } from "../client/mod.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Reads the password its source names without a terminal; null when there is no source.
 *
 * @throws {UsageError} when stdin is empty or the source needs a terminal.
 * @throws {ClientError} when the environment variable is not set.
 */
export async function readPipePassword(
  source: PasswordSource,
  stdin: LineReader,
): Promise<string | null> {
  switch (source.kind) {
    case "none":
      return null;
    case "env":
      return readPasswordFromEnv(source.variable);
    case "stdin": {
      const line = await stdin.next();
      if (line === null) throw new UsageError("--password-stdin was given but stdin is empty");
      return line;
    }
    case "prompt":
      throw new UsageError(
        "--password-prompt needs a terminal; use --password-stdin or --password-env instead",
      );
  }
}
