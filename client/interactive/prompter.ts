/**
 * Asking the user for one line before the chat starts (menu choice, room, name, password), on
 * the raw terminal, with line editing; a password is typed without echo.
 *
 * @module
 */

import { type InputView, LineEditor, sanitizeForTerminal, Screen } from "../tui/mod.ts";
import type { Terminal } from "./terminal.ts";

/** Asks questions and prints lines; the entry flow talks to the user only through this. */
export interface Prompter {
  /**
   * Asks for a line; `secret` hides what is typed. Resolves to the line (maybe empty), or null
   * when the user gives up (Ctrl-C, Ctrl-D on an empty line, end of input).
   */
  ask(prompt: string, secret?: boolean): Promise<string | null>;
  /** Prints a line (made terminal-safe). */
  say(line: string): void;
}

/** What the screen shows of a secret: nothing at all, not even its length. */
const HIDDEN: InputView = { graphemes: [], cursor: 0 };
const NEWLINE = "\r\n";

/** A {@link Prompter} on a {@link Terminal} in raw mode. */
export class TerminalPrompter implements Prompter {
  readonly #terminal: Terminal;
  readonly #ansi: boolean;

  /** `ansi` false (TERM=dumb) draws without cursor codes. */
  constructor(terminal: Terminal, ansi: boolean) {
    this.#terminal = terminal;
    this.#ansi = ansi;
  }

  /** {@inheritDoc Prompter.ask} */
  async ask(prompt: string, secret = false): Promise<string | null> {
    const terminal = this.#terminal;
    const editor = new LineEditor();
    const screen = new Screen({ prompt, width: terminal.columns(), ansi: this.#ansi });
    const view = () => secret ? HIDDEN : editor;
    terminal.write(screen.redrawInput(view()));
    for (;;) {
      const key = await terminal.readKey();
      if (key === null) return this.#finish(screen, null);
      // The editor ignores Enter on an empty line, but here an empty answer means something.
      if (key.type === "enter" && editor.text === "") return this.#finish(screen, "");
      const result = editor.apply(key);
      switch (result.type) {
        case "submitted":
          return this.#finish(screen, result.text, secret);
        case "interrupt":
        case "eof":
          return this.#finish(screen, null);
        case "changed":
          terminal.write(screen.redrawInput(view()));
          break;
        case "redraw":
          terminal.write(screen.clearScreen(view()));
          break;
      }
    }
  }

  /** {@inheritDoc Prompter.say} */
  say(line: string): void {
    this.#terminal.write(`${sanitizeForTerminal(line)}${NEWLINE}`);
  }

  /** Leaves the question and its answer (never a secret one) on the screen, on a line of its own. */
  #finish(screen: Screen, answer: string | null, secret = false): string | null {
    const shown = answer === null || secret ? "" : sanitizeForTerminal(answer);
    this.#terminal.write(`${screen.clearInput()}${screen.prompt}${shown}${NEWLINE}`);
    return answer;
  }
}
