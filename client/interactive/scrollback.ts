/**
 * The chat screen's own scrollback: every line shown (History included, up to a bound), and
 * where the scrollback page stands while it is open, with the lines that arrived meanwhile.
 * Pure state: the chat screen draws it (on the alternate screen, `pageOf`).
 *
 * @module
 */

import { type Page, pageOf } from "../tui/mod.ts";

/** Lines the client's own scrollback keeps (the terminal keeps its own as well). */
export const SCROLLBACK_LINES = 5_000;

/** What a PageUp or PageDown did. */
export type ScrollResult = "opened" | "moved" | "closed" | "none";

/** The lines shown, and the page over them. */
export class Scrollback {
  readonly #limit: number;
  readonly #lines: string[] = [];
  /** While the page is open: rows above the bottom, and the lines not printed yet. */
  #open: { offset: number; unread: string[] } | null = null;

  /** Keeps at most `limit` lines, the oldest dropped first. */
  constructor(limit = SCROLLBACK_LINES) {
    this.#limit = limit;
  }

  /** True while the page is open: new lines wait in {@link unread}. */
  get isOpen(): boolean {
    return this.#open !== null;
  }

  /** How many lines arrived while the page is open (0 when it is closed). */
  get unread(): number {
    return this.#open?.unread.length ?? 0;
  }

  /** Takes lines shown (or to be shown once the page closes, when it is open). */
  add(lines: readonly string[]): void {
    this.#lines.push(...lines);
    if (this.#lines.length > this.#limit) this.#lines.splice(0, this.#lines.length - this.#limit);
    this.#open?.unread.push(...lines);
  }

  /**
   * Moves the page up (+1) or down (-1) by `height` rows: up from the bottom opens it, down to
   * the bottom closes it (then call {@link close} for what arrived meanwhile).
   */
  scroll(direction: 1 | -1, height: number): ScrollResult {
    if (this.#open === null) {
      if (direction < 0) return "none";
      this.#open = { offset: height, unread: [] };
      return "opened";
    }
    const offset = this.#open.offset + direction * height;
    if (offset <= 0) return "closed";
    this.#open.offset = offset;
    return "moved";
  }

  /** Closes the page; returns the lines that arrived while it was open (null if it was not). */
  close(): string[] | null {
    const open = this.#open;
    this.#open = null;
    return open === null ? null : open.unread;
  }

  /** The page as it stands, the lines wrapped for `width` columns, `height` rows at most. */
  page(width: number, height: number): Page {
    const open = this.#open;
    const page = pageOf(this.#lines, width, height, open?.offset ?? 0);
    if (open !== null) open.offset = page.offset;
    return page;
  }
}
