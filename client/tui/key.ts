/**
 * What a key press is, as the decoders produce it and the line editor consumes it. Its own module
 * so that the byte decoder (keys.ts) and the escape-sequence parser (escape_keys.ts) both build
 * on it without importing each other.
 *
 * @module
 */

/** Letters whose control code has no key of its own (ctrl-h is Backspace, ctrl-i Tab, ctrl-j/m Enter). */
export type ControlLetter =
  | "a"
  | "b"
  | "c"
  | "d"
  | "e"
  | "f"
  | "g"
  | "k"
  | "l"
  | "n"
  | "o"
  | "p"
  | "q"
  | "r"
  | "s"
  | "t"
  | "u"
  | "v"
  | "w"
  | "x"
  | "y"
  | "z";

/** A key without text. Editing meaning is the line editor's business, not the decoder's. */
export type NamedKey =
  | "enter"
  | "backspace"
  | "delete"
  | "tab"
  | "escape"
  | "left"
  | "right"
  | "up"
  | "down"
  | "home"
  | "end"
  | "page-up"
  | "page-down"
  /** The terminal window got or lost the focus (focus reporting, `CSI ? 1004 h`). */
  | "focus-in"
  | "focus-out"
  | "ctrl-left"
  | "ctrl-right"
  | "alt-b"
  | "alt-f"
  | "alt-d"
  | "alt-backspace"
  | `ctrl-${ControlLetter}`;

/**
 * One key event: typed text (possibly several characters, as it arrived in one read), a
 * bracketed paste (raw text, may hold line breaks and controls: clean it before use), or a named key.
 */
export type Key =
  | { type: "text"; text: string }
  | { type: "paste"; text: string }
  | { type: NamedKey };
