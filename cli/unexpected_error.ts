/**
 * How `kaiwa` reports an error nothing else handled.
 *
 * @module
 */

import { errorMessage } from "../util/mod.ts";
import { oneLine } from "./flags.ts";

/** Environment variable that, set to `1`, makes an unexpected error show its stack trace. */
export const DEBUG_VARIABLE = "KAIWA_DEBUG";

/**
 * The report of an unexpected error: `kaiwa: <message>` on one line, or with `debug` the whole
 * stack trace, for whoever has to find the bug.
 *
 * @example
 * ```ts
 * import { formatUnexpectedError } from "./unexpected_error.ts";
 * formatUnexpectedError(new Error("Disk on fire"), false); // "kaiwa: Disk on fire"
 * ```
 */
export function formatUnexpectedError(error: unknown, debug: boolean): string {
  if (debug && error instanceof Error && error.stack !== undefined) return `kaiwa: ${error.stack}`;
  return `kaiwa: ${oneLine(errorMessage(error))}`;
}
