/**
 * Short quotations of user text for logs and notes.
 *
 * @module
 */

/** Most UTF-16 code units of a text that {@linkcode preview} keeps. */
export const PREVIEW_CHARS = 40;

/**
 * The first {@linkcode PREVIEW_CHARS} code units of `text`, with `…` when it was cut.
 *
 * @example
 * ```ts
 * import { preview } from "./text.ts";
 * preview("short"); // "short"
 * ```
 */
export function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
