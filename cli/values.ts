/**
 * Checks and converts flag values: ports, counts, rates, durations and plain text. Every failure
 * is a {@linkcode UsageError} naming the flag and the value.
 *
 * @module
 */

import { isFingerprint, MS_PER_SECOND } from "../util/mod.ts";
import { UsageError } from "./usage_error.ts";

/** Largest TCP or UDP port number. */
export const MAX_PORT = 65_535;

/**
 * Largest duration in seconds a flag accepts. Timers hold at most 2^31 - 1 milliseconds and fire
 * at once when given more, so a longer timeout would silently become no timeout at all.
 */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / MS_PER_SECOND);

// Plain decimal digits only: Number() would also take "", " 1", "0x10", "1e3" and "Infinity".
const INTEGER_PATTERN = /^\d+$/;
const DECIMAL_PATTERN = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parses a whole number from `min` to `max` (inclusive), written in plain decimal digits.
 *
 * @example
 * ```ts
 * import { parseInteger } from "./values.ts";
 * parseInteger("32", "--max-connections-per-ip", 1); // 32
 * ```
 */
export function parseInteger(
  text: string,
  flag: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const value = INTEGER_PATTERN.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`Invalid value for ${flag}: '${text}' is not an integer ${range}`);
  }
  return value;
}

/**
 * Parses a port number; `min` is 0 where 0 means "pick a free port" and 1 where a real port is
 * needed (connecting).
 *
 * @example
 * ```ts
 * import { parsePort } from "./values.ts";
 * parsePort("9001", "--port", 1); // 9001
 * ```
 */
export function parsePort(text: string, flag: string, min: 0 | 1): number {
  return parseInteger(text, flag, min, MAX_PORT);
}

/**
 * Parses a number that may be fractional, from `min` to `max` (inclusive); with `exclusiveMin`,
 * `min` itself is refused.
 *
 * @example
 * ```ts
 * import { parseDecimal } from "./values.ts";
 * parseDecimal("0.5", "--flood-rate", 0); // 0.5
 * ```
 */
export function parseDecimal(
  text: string,
  flag: string,
  min: number,
  max: number = Number.MAX_VALUE,
  exclusiveMin = false,
): number {
  const value = DECIMAL_PATTERN.test(text) ? Number(text) : NaN;
  const aboveMin = exclusiveMin ? value > min : value >= min;
  if (!(aboveMin && value <= max)) {
    const lower = exclusiveMin ? `greater than ${min}` : `of at least ${min}`;
    const range = max === Number.MAX_VALUE ? lower : `${lower} and at most ${max}`;
    throw new UsageError(`Invalid value for ${flag}: '${text}' is not a number ${range}`);
  }
  return value;
}

/**
 * Parses a duration in seconds: more than 0, at most {@linkcode MAX_SECONDS}, may be fractional.
 *
 * @example
 * ```ts
 * import { parseSeconds } from "./values.ts";
 * parseSeconds("2.5", "--request-timeout"); // 2.5
 * ```
 */
export function parseSeconds(text: string, flag: string): number {
  return parseDecimal(text, flag, 0, MAX_SECONDS, true);
}

/**
 * Checks that a text value (a host, a name) is not empty; returns it unchanged.
 *
 * @example
 * ```ts
 * import { parseText } from "./values.ts";
 * parseText("::1", "--host"); // "::1"
 * ```
 */
export function parseText(text: string, flag: string): string {
  if (text.length === 0) throw new UsageError(`Invalid value for ${flag}: it must not be empty`);
  return text;
}

/**
 * Checks that `text` is one of `choices`; returns it, typed as that choice.
 *
 * @example
 * ```ts
 * import { parseChoice } from "./values.ts";
 * parseChoice("portable", "--udp", ["auto", "fast", "portable"] as const); // "portable"
 * ```
 */
export function parseChoice<T extends string>(
  text: string,
  flag: string,
  choices: readonly T[],
): T {
  const choice = choices.find((candidate) => candidate === text);
  if (choice === undefined) {
    throw new UsageError(`Invalid value for ${flag}: '${text}' (expected ${choices.join(", ")})`);
  }
  return choice;
}

/**
 * Checks a server TLS fingerprint: `SHA256:` and 43 base64 characters; returns it unchanged.
 *
 * @example
 * ```ts
 * import { parseFingerprint } from "./values.ts";
 * parseFingerprint("SHA256:" + "A".repeat(43), "--fingerprint");
 * ```
 */
export function parseFingerprint(text: string, flag: string): string {
  if (!isFingerprint(text)) {
    throw new UsageError(`${flag}: '${text}' is not SHA256: and 43 base64 characters`);
  }
  return text;
}
