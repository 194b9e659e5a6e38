/**
 * A room password from an environment variable (`PasswordSource` kind `env`): a script's setting,
 * read when the client needs it. (Typing it without echo is the interactive mode's job; the first
 * line of stdin is read by whoever owns stdin.)
 *
 * @module
 */

import { ClientError } from "./errors.ts";

/**
 * Reads the password from the environment variable `variable`.
 *
 * @throws {ClientError} with reason `passwordUnavailable` when the variable is not set.
 */
export function readPasswordFromEnv(variable: string): string {
  const value = Deno.env.get(variable);
  if (value === undefined) {
    throw new ClientError(
      `The environment variable ${variable} for --password-env is not set`,
      "passwordUnavailable",
    );
  }
  return value;
}
