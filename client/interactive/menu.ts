/**
 * The questions asked before entering a room when the command line did not say everything:
 * the menu, and checks of the answers. Pure.
 *
 * @module
 */

import { InvalidTextError, validateName } from "../../protocol/mod.ts";
import type { FailureReason } from "../reason.ts";

/** What the user picked in the menu. */
export type MenuChoice = "create" | "join" | "list" | "quit";

/** The menu, one line each; the number or the word selects an entry. */
export const MENU_LINES: readonly string[] = [
  "1) create a room",
  "2) join a room",
  "3) list rooms",
  "4) quit",
];

/** Asks for a menu entry. */
export const MENU_PROMPT = "choose 1-4: ";
/** Said when the answer is no menu entry. */
export const MENU_HELP = "type 1, 2, 3 or 4 (or create, join, list, quit)";

/**
 * What to do about a refusal, in the menu's words: the command line's hints name flags that
 * someone using the menu never typed. Refusals missing here need no advice beyond their sentence.
 */
export const MENU_HINTS: Readonly<Partial<Record<FailureReason, string>>> = {
  roomNotFound: "choose create to make it",
  roomExists: "choose join to enter it",
};

const CHOICES: Readonly<Record<string, MenuChoice>> = {
  "1": "create",
  "2": "join",
  "3": "list",
  "4": "quit",
  create: "create",
  join: "join",
  list: "list",
  quit: "quit",
  q: "quit",
};

/**
 * The menu entry an answer selects, or null.
 *
 * @example
 * ```ts
 * parseMenuChoice(" 2 "); // "join"
 * parseMenuChoice("List"); // "list"
 * parseMenuChoice("5"); // null
 * ```
 */
export function parseMenuChoice(answer: string): MenuChoice | null {
  return CHOICES[answer.trim().toLowerCase()] ?? null;
}

/** An answer checked against the naming rules: the name, or why it cannot be one. */
export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

/**
 * Checks a typed room name or username against the naming rules (§1.2) before the server does,
 * so a mistake is asked again instead of ending the program. Surrounding spaces are removed:
 * nobody means them, and they would be invisible in every list.
 *
 * @example
 * ```ts
 * checkName(" lobby ", "room name"); // { ok: true, name: "lobby" }
 * checkName("", "username"); // { ok: false, message: "Invalid username: it is empty" }
 * ```
 */
export function checkName(answer: string, what: string): NameCheck {
  try {
    return { ok: true, name: validateName(answer.trim(), what) };
  } catch (error) {
    if (error instanceof InvalidTextError) return { ok: false, message: error.message };
    throw error;
  }
}
