/**
 * Flags from the environment: a flag `--max-rooms` may also be set as `KAIWA_MAX_ROOMS`, so that a
 * service manager or a container configures `kaiwa` without a long command line. A flag given on
 * the command line wins over its variable.
 *
 * @module
 */

/** The environment as the command line reads it: variable name → value. */
export type Environment = Readonly<Record<string, string>>;

/** Every variable kaiwa reads starts with this. */
export const ENV_PREFIX = "KAIWA_";

/** What a switch's variable may say, and what it means. */
const SWITCH_VALUES: Readonly<Record<string, boolean>> = {
  "1": true,
  "true": true,
  "0": false,
  "false": false,
};

/** The words a switch's variable accepts, as error and help text list them. */
export const SWITCH_WORDS = "1, 0, true or false";

/**
 * The variable of flag `name`: upper case, dashes as underscores.
 *
 * @example
 * ```ts
 * import { envName } from "./environment.ts";
 * envName("max-rooms"); // "KAIWA_MAX_ROOMS"
 * ```
 */
export function envName(name: string): string {
  return ENV_PREFIX + name.toUpperCase().replaceAll("-", "_");
}

/**
 * What a switch's variable says: true or false, or undefined when `text` is none of
 * {@linkcode SWITCH_WORDS} (case does not matter).
 */
export function switchValue(text: string): boolean | undefined {
  return SWITCH_VALUES[text.toLowerCase()];
}

/**
 * The process's `KAIWA_*` variables, or none when environment access is not granted (asking
 * would prompt in a terminal; `deno task serve` and the compiled binary grant it).
 */
export function readEnvironment(): Environment {
  if (Deno.permissions.querySync({ name: "env" }).state !== "granted") return {};
  return Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => name.startsWith(ENV_PREFIX)),
  );
}
