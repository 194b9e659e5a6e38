/**
 * Where a room password comes from when the client is not interactive: an environment variable
 * or the first line of stdin. (Typing it without echo is the interactive mode's job.)
 *
 * @module
 */

import { ExitCode } from "../cli/exit_codes.ts";
import { ClientError } from "./errors.ts";
import type { LineReader } from "./line_reader.ts";
import type { PasswordSource } from "./options.ts";

/**
 * Reads the password from a non-interactive source; null when there is none.
 *
 * @throws {ClientError} when the source is empty or needs a terminal.
 */
export async function readPasswordWithoutTerminal(
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
      if (line === null) {
        throw new ClientError("--password-stdin was given but stdin is empty", ExitCode.Usage);
      }
      return line;
    }
    case "prompt":
      throw new ClientError(
        "--password-prompt needs a terminal; use --password-stdin or --password-env instead",
        ExitCode.Usage,
      );
  }
}

/**
 * Reads the password from the environment variable named by `--password-env`.
 *
 * @throws {ClientError} when the variable is not set.
 */
export function readPasswordFromEnv(variable: string): string {
  const value = Deno.env.get(variable);
  if (value === undefined) {
    throw new ClientError(
      `The environment variable ${variable} for --password-env is not set`,
      ExitCode.Usage,
    );
  }
  return value;
}
