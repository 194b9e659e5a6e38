/**
 * Formats chat lines and notices for the terminal: local time, sender, text; a stable colour per
 * name; notices dim. Everything that came from the network goes through {@link sanitizeForTerminal}
 * here, so a caller cannot forget it. With {@link ColorMode} "none" (TERM=dumb, not a terminal)
 * the output holds no escape byte at all; with "mono" (NO_COLOR on a terminal) it keeps bold, dim
 * and reverse video, which are no colour (https://no-color.org), so a mention still stands out.
 *
 * @module
 */

import { NAME_PALETTE_16, NAME_PALETTE_256, nameHash } from "../../util/mod.ts";
import { sanitizeForTerminal } from "./sanitize.ts";

/**
 * How many colours the terminal has, as far as we use them: "mono" means bold, dim and reverse
 * video but no colour; "none" means no escape codes at all.
 */
export type ColorMode = "none" | "mono" | "16" | "256";

/** How lines are drawn. */
export interface RenderStyle {
  /** Colour support; "mono" for NO_COLOR, "none" for TERM=dumb or output that is not a terminal. */
  readonly color: ColorMode;
  /** IANA time zone of the times shown, e.g. "Asia/Tokyo"; the process's own when absent. */
  readonly timeZone?: string;
}

/** What decides the colour mode; the I/O layer reads these from the environment and the tty. */
export interface TerminalTraits {
  /** Value of NO_COLOR, if set. Any non-empty value turns colour off (https://no-color.org). */
  readonly noColor?: string;
  /** Value of TERM, if set. */
  readonly term?: string;
  /** Value of COLORTERM, if set ("truecolor" or "24bit" imply 256 colours at least). */
  readonly colorTerm?: string;
  /** Whether the output is a terminal. */
  readonly isTerminal: boolean;
}

/** One chat message to show. */
export interface ChatLine {
  /** When it was sent or received (milliseconds since the epoch, or a Date); shown as local HH:MM. */
  readonly time: Date | number;
  /** Who sent it (untrusted). */
  readonly sender: string;
  /** What they wrote (untrusted). */
  readonly text: string;
  /** True for our own message, as the server confirmed it: its name is shown in bold. */
  readonly self: boolean;
  /**
   * True for a message from before we joined (History): the whole line is dim, with no name
   * colour, and its time is the message's original time.
   */
  readonly history?: boolean;
  /** True when the message is not from today: its date is shown before its time. */
  readonly dated?: boolean;
  /** True for an action (`/me waves`, text "waves"): shown "* sender waves". */
  readonly action?: boolean;
  /** True when the message names us: the line is highlighted (reverse video), like irssi's hilight. */
  readonly mention?: boolean;
}

/** Marks a notice line, where a chat line has its sender. */
export const NOTICE_MARKER = "*";

const SGR_RESET = "\x1b[0m";
const SGR_BOLD = "1";
const SGR_DIM = "2";
const SGR_REVERSE = "7";
const SGR_256_FOREGROUND = "38;5;";

/**
 * Picks the colour mode from the terminal's traits.
 *
 * @example
 * ```ts
 * detectColorMode({ term: "xterm-256color", isTerminal: true }); // "256"
 * detectColorMode({ noColor: "1", term: "xterm-256color", isTerminal: true }); // "mono"
 * ```
 */
export function detectColorMode(traits: TerminalTraits): ColorMode {
  if (!traits.isTerminal || traits.term === "dumb") return "none";
  if ((traits.noColor ?? "") !== "") return "mono";
  const colorTerm = traits.colorTerm?.toLowerCase() ?? "";
  if (traits.term?.includes("256color") || colorTerm === "truecolor" || colorTerm === "24bit") {
    return "256";
  }
  return "16";
}

/**
 * The SGR parameters that colour `name` in `mode` ("" for "none" and "mono").
 *
 * @example
 * ```ts
 * nameColor("alice", "256") === nameColor("alice", "256"); // true, always
 * ```
 */
export function nameColor(name: string, mode: ColorMode): string {
  if (mode === "none" || mode === "mono") return "";
  const hash = nameHash(name);
  if (mode === "256") return SGR_256_FOREGROUND + NAME_PALETTE_256[hash % NAME_PALETTE_256.length];
  return String(NAME_PALETTE_16[hash % NAME_PALETTE_16.length]);
}

/** Date parts of a time in a time zone, formatters cached per zone. */
const partFormatters = new Map<string, Intl.DateTimeFormat>();
const LOCAL_ZONE = "";

function dateParts(time: Date | number, timeZone?: string): Record<string, string> {
  const zone = timeZone ?? LOCAL_ZONE;
  let formatter = partFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      weekday: "long",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    partFormatters.set(zone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(time)) parts[part.type] = part.value;
  return parts;
}

/**
 * Wall-clock time as "HH:MM", in `timeZone` (the process's own when absent).
 *
 * @example
 * ```ts
 * formatClock(new Date(2024, 0, 1, 9, 5)); // "09:05"
 * ```
 */
export function formatClock(time: Date | number, timeZone?: string): string {
  const { hour, minute } = dateParts(time, timeZone);
  return `${hour}:${minute}`;
}

/**
 * The calendar day of a time as "YYYY-MM-DD", in `timeZone` (the process's own when absent):
 * two times are on the same day when these are equal.
 *
 * @example
 * ```ts
 * formatDay(Date.UTC(2026, 10, 29, 15), "Asia/Tokyo"); // "2026-11-30"
 * ```
 */
export function formatDay(time: Date | number, timeZone?: string): string {
  const { year, month, day } = dateParts(time, timeZone);
  return `${year}-${month}-${day}`;
}

/**
 * The line shown when the day changes between two printed lines, all dim:
 * "--- Monday 2026-11-30 ---".
 *
 * @example
 * ```ts
 * formatDayChange(Date.UTC(2026, 10, 29, 15), { color: "none", timeZone: "Asia/Tokyo" });
 * // "--- Monday 2026-11-30 ---"
 * ```
 */
export function formatDayChange(time: Date | number, style: RenderStyle): string {
  const { weekday } = dateParts(time, style.timeZone);
  return paint(`--- ${weekday} ${formatDay(time, style.timeZone)} ---`, SGR_DIM, style);
}

/** "HH:MM", or "YYYY-MM-DD HH:MM" for a dated line. */
function stamp(line: ChatLine, style: RenderStyle): string {
  const clock = formatClock(line.time, style.timeZone);
  return line.dated === true ? `${formatDay(line.time, style.timeZone)} ${clock}` : clock;
}

/** Wraps `text` in an SGR sequence, or returns it as is without colour. */
function paint(text: string, parameters: string, style: RenderStyle): string {
  if (style.color === "none" || parameters === "") return text;
  return `\x1b[${parameters}m${text}${SGR_RESET}`;
}

/**
 * One chat line: "HH:MM sender: text", or "HH:MM * sender text" for an action (time dim, sender
 * in its colour, bold when it is us; all dim for history; reverse video when it mentions us).
 *
 * @example
 * ```ts
 * formatChatLine({ time: new Date(2024, 0, 1, 9, 5), sender: "bob", text: "hi", self: false },
 *   { color: "none" }); // "09:05 bob: hi"
 * ```
 */
export function formatChatLine(line: ChatLine, style: RenderStyle): string {
  const name = sanitizeForTerminal(line.sender);
  const text = sanitizeForTerminal(line.text);
  if (line.history === true) {
    const body = line.action === true ? `${NOTICE_MARKER} ${name} ${text}` : `${name}: ${text}`;
    return paint(`${stamp(line, style)} ${body}`, SGR_DIM, style);
  }
  const clock = paint(stamp(line, style), SGR_DIM, style);
  const color = nameColor(line.sender, style.color);
  const parameters = line.self ? [SGR_BOLD, color].filter((code) => code !== "").join(";") : color;
  const body = line.mention === true ? paint(text, SGR_REVERSE, style) : text;
  if (line.action === true) {
    return `${clock} ${NOTICE_MARKER} ${paint(name, parameters, style)} ${body}`;
  }
  return `${clock} ${paint(`${name}:`, parameters, style)} ${body}`;
}

/**
 * A notice line, all dim: "HH:MM * text". `text` (untrusted) is given without the marker, e.g.
 * "alice joined".
 *
 * @example
 * ```ts
 * formatNotice("alice joined", new Date(2024, 0, 1, 9, 5), { color: "none" }); // "09:05 * alice joined"
 * ```
 */
export function formatNotice(text: string, time: Date | number, style: RenderStyle): string {
  return paint(
    `${formatClock(time, style.timeZone)} ${NOTICE_MARKER} ${sanitizeForTerminal(text)}`,
    SGR_DIM,
    style,
  );
}
