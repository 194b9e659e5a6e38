/**
 * Describing a caught value, whatever was thrown.
 *
 * @module
 */

/**
 * The message of a caught value: an `Error`'s message (its name when the message is empty), or the
 * value as a string.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./errors.ts";
 * errorMessage(new Error("Disk on fire")); // "Disk on fire"
 * errorMessage("plain"); // "plain"
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
