import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  displayWidth,
  graphemeWidth,
  graphemeWidthBound,
  segmentGraphemes,
} from "../client/tui/display_width.ts";
import { type InputView, MIN_INPUT_COLUMNS, Screen } from "../client/tui/screen.ts";

/**
 * A tiny terminal: enough of VT100 to check what Screen writes (CR, LF, EL, ED, CUP home, CUF,
 * CUU, SGR ignored), with wide characters taking two cells and auto-wrap at the right edge.
 * `cellsOf` says how wide it draws a grapheme: `graphemeWidthBound` plays a terminal (tmux) that
 * draws a skin-tone emoji as two emoji.
 */
class FakeTerminal {
  rows: string[][] = [[]];
  row = 0;
  column = 0;
  /** Set when anything was drawn in the last column or wrapped. */
  touchedLastColumn = false;

  constructor(
    public width: number,
    readonly cellsOf: (grapheme: string) => number = graphemeWidth,
  ) {}

  /**
   * Narrows or widens the window as a reflowing terminal does: the cursor's row, if wider than
   * the new width, becomes several rows, and the cursor moves with its cell.
   */
  reflow(width: number): void {
    const cells = this.rows[this.row];
    const pieces: string[][] = [];
    for (let at = 0; at < Math.max(cells.length, 1); at += width) {
      pieces.push(cells.slice(at, at + width));
    }
    this.rows.splice(this.row, 1, ...pieces);
    this.row += Math.floor(this.column / width);
    this.column %= width;
    this.width = width;
  }

  write(output: string): void {
    // deno-lint-ignore no-control-regex -- ESC is what is being matched
    const sequence = /\x1b\[([0-9;]*)([A-Za-z])/y;
    let i = 0;
    while (i < output.length) {
      const char = output[i];
      if (char === "\r") {
        this.column = 0;
        i++;
      } else if (char === "\n") {
        this.#lineFeed();
        i++;
      } else if (char === "\x1b") {
        sequence.lastIndex = i;
        const match = sequence.exec(output);
        if (!match) {
          throw new Error(`Unexpected escape at ${i}: ${JSON.stringify(output.slice(i))}`);
        }
        this.#control(match[1], match[2]);
        i = sequence.lastIndex;
      } else {
        let end = i;
        while (end < output.length && !"\r\n\x1b".includes(output[end])) end++;
        for (const grapheme of segmentGraphemes(output.slice(i, end))) this.#put(grapheme);
        i = end;
      }
    }
  }

  /** The text of a row, trailing blanks removed. */
  line(row: number): string {
    return (this.rows[row] ?? []).join("").trimEnd();
  }

  #control(parameter: string, final: string): void {
    const count = Number(parameter || "0");
    const cells = this.rows[this.row] ??= [];
    if (final === "K") this.rows[this.row] = count === 2 ? [] : cells.slice(0, this.column);
    else if (final === "C") {
      this.column = Math.min(this.width - 1, this.column + Math.max(count, 1));
    } else if (final === "A") this.row = Math.max(0, this.row - Math.max(count, 1));
    else if (final === "H") [this.row, this.column] = [0, 0];
    else if (final === "J" && count === 2) this.rows = [[]];
    else if (final === "J") {
      this.rows.splice(this.row + 1);
      this.rows[this.row] = cells.slice(0, this.column);
    } else if (final !== "m") throw new Error(`Unexpected sequence ${parameter}${final}`);
  }

  #lineFeed(): void {
    this.row++;
    this.rows[this.row] ??= [];
  }

  #put(grapheme: string): void {
    const width = this.cellsOf(grapheme);
    if (this.column + width > this.width) {
      this.touchedLastColumn = true;
      this.#lineFeed();
      this.column = 0;
    }
    if (this.column + width === this.width) this.touchedLastColumn = true;
    const cells = this.rows[this.row] ??= [];
    while (cells.length < this.column) cells.push(" ");
    cells[this.column] = grapheme;
    for (let cell = 1; cell < width; cell++) cells[this.column + cell] = "";
    this.column += width;
  }
}

const input = (text: string, cursor?: number): InputView => {
  const graphemes = segmentGraphemes(text);
  return { graphemes, cursor: cursor ?? graphemes.length };
};

Deno.test({
  name: "Screen draws the input line with the cursor in the right column",
  permissions: "none",
  fn: async (t) => {
    await t.step("ASCII input, cursor at the end", () => {
      const terminal = new FakeTerminal(40);
      terminal.write(new Screen({ prompt: "> ", width: 40 }).redrawInput(input("hello")));
      strictEqual(terminal.line(0), "> hello");
      strictEqual(terminal.column, 7);
    });
    await t.step("wide characters count two columns before the cursor", () => {
      const terminal = new FakeTerminal(40);
      const screen = new Screen({ prompt: "部屋> ", width: 40 });
      terminal.write(screen.redrawInput(input("日本👨‍👩‍👧🇯🇵e\u0301x", 4)));
      strictEqual(terminal.line(0), "部屋> 日本👨‍👩‍👧🇯🇵e\u0301x");
      strictEqual(terminal.column, displayWidth("部屋> ") + 8);
    });
    await t.step("a redraw after deleting leaves no stale characters", () => {
      const terminal = new FakeTerminal(40);
      const screen = new Screen({ prompt: "> ", width: 40 });
      terminal.write(screen.redrawInput(input("日本語です")));
      terminal.write(screen.redrawInput(input("日", 0)));
      strictEqual(terminal.line(0), "> 日");
      strictEqual(terminal.column, 2);
    });
  },
});

Deno.test({
  name: "Screen prints incoming lines above the input line",
  permissions: "none",
  fn: async (t) => {
    await t.step("the line being typed moves down intact, cursor kept", () => {
      const terminal = new FakeTerminal(40);
      const screen = new Screen({ prompt: "> ", width: 40 });
      const typing = input("半分書いた", 2);
      terminal.write(screen.redrawInput(typing));
      terminal.write(screen.printAbove("09:05 bob: hi", typing));
      terminal.write(screen.printAbove(["09:06 * carol joined", "09:06 carol: yo"], typing));
      deepStrictEqual([0, 1, 2, 3].map((row) => terminal.line(row)), [
        "09:05 bob: hi",
        "09:06 * carol joined",
        "09:06 carol: yo",
        "> 半分書いた",
      ]);
      strictEqual(terminal.row, 3);
      strictEqual(terminal.column, 2 + 4);
    });
    await t.step("a line shorter than the input it replaces leaves nothing behind", () => {
      const terminal = new FakeTerminal(40);
      const screen = new Screen({ prompt: "> ", width: 40 });
      terminal.write(screen.redrawInput(input("a long draft message")));
      terminal.write(screen.printAbove("hi", input("")));
      deepStrictEqual([terminal.line(0), terminal.line(1)], ["hi", ">"]);
    });
    await t.step("clearInput() erases the input line", () => {
      const terminal = new FakeTerminal(40);
      const screen = new Screen({ prompt: "> ", width: 40 });
      terminal.write(screen.redrawInput(input("draft")));
      terminal.write(screen.clearInput());
      strictEqual(terminal.line(0), "");
      strictEqual(terminal.column, 0);
    });
    await t.step("begin() and end() switch bracketed paste on and off around the session", () => {
      const screen = new Screen({ prompt: "> ", width: 40 });
      strictEqual(screen.begin(input("")), "\x1b[?2004h\x1b[?1004h\r> \x1b[K\r> ");
      strictEqual(screen.end(), "\r\x1b[K\x1b[?1004l\x1b[?2004l");
      const dumb = new Screen({ prompt: "> ", width: 40, ansi: false });
      strictEqual(dumb.begin(input("")), "\r> \r> ");
      strictEqual(dumb.end(), "\r  \r");
    });
    await t.step("clearScreen() leaves only the input line", () => {
      const terminal = new FakeTerminal(40);
      const screen = new Screen({ prompt: "> ", width: 40 });
      terminal.write(screen.printAbove("old", input("x")));
      terminal.write(screen.clearScreen(input("x")));
      deepStrictEqual(terminal.rows.map((cells) => cells.join("").trimEnd()), ["> x"]);
    });
  },
});

Deno.test({
  name: "Screen scrolls long input horizontally instead of wrapping",
  permissions: "none",
  fn: async (t) => {
    await t.step("the end of a long line is shown with the cursor after it", () => {
      const terminal = new FakeTerminal(20);
      const screen = new Screen({ prompt: "> ", width: 20 });
      const text = "0123456789abcdefghijklmnopqrstuvwxyz";
      terminal.write(screen.redrawInput(input(text)));
      ok(!terminal.touchedLastColumn);
      strictEqual(terminal.rows.length, 1);
      const shown = terminal.line(0).slice(2);
      ok(text.endsWith(shown) && shown.length === 17, shown);
      strictEqual(terminal.column, 19);
    });
    await t.step("Home scrolls back to the start", () => {
      const terminal = new FakeTerminal(20);
      const screen = new Screen({ prompt: "> ", width: 20 });
      const text = "0123456789abcdefghijklmnopqrstuvwxyz";
      terminal.write(screen.redrawInput(input(text)));
      terminal.write(screen.redrawInput(input(text, 0)));
      strictEqual(terminal.line(0), "> 0123456789abcdefg");
      strictEqual(terminal.column, 2);
    });
    await t.step("wide characters scroll by whole graphemes, cursor column right", () => {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom("a", "日", "👨‍👩‍👧", "e\u0301", "🇯🇵", "ｱ", "한"), { maxLength: 60 }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 12, max: 40 }),
          (graphemes, cursors, width) => {
            const terminal = new FakeTerminal(width);
            const screen = new Screen({ prompt: "ルーム> ", width });
            for (const raw of cursors) {
              const cursor = raw % (graphemes.length + 1);
              terminal.write(screen.redrawInput({ graphemes, cursor }));
              const shown = segmentGraphemes(terminal.line(0).slice(screen.prompt.length));
              // What is shown is a run of the input that contains the cursor position, and the
              // cursor is after the part of the run before it (repeated graphemes may give several
              // candidate runs: one must fit).
              let fits = false;
              for (let i = 0; i <= cursor && !fits; i++) {
                const run = graphemes.slice(i, i + shown.length);
                const expected = displayWidth(screen.prompt) +
                  displayWidth(graphemes.slice(i, cursor).join(""));
                fits = run.join("") === shown.join("") && cursor <= i + shown.length &&
                  terminal.column === expected;
              }
              if (!fits || terminal.touchedLastColumn) return false;
            }
            return terminal.rows.length === 1;
          },
        ),
        { numRuns: 150 },
      );
    });
  },
});

Deno.test({
  name: "Screen without ANSI support (TERM=dumb) writes no escape byte",
  permissions: "none",
  fn: async (t) => {
    await t.step("draws the same as the ANSI screen using spaces and re-printing", () => {
      const dumb = new FakeTerminal(30);
      const ansi = new FakeTerminal(30);
      const dumbScreen = new Screen({ prompt: "> ", width: 30, ansi: false });
      const ansiScreen = new Screen({ prompt: "> ", width: 30 });
      const steps: [string, InputView][] = [
        ["", input("日本語の長いメッセージです、まだ続く")],
        ["09:05 bob: hi", input("日本語", 1)],
        ["", input("")],
        ["09:06 * carol joined", input("ok", 1)],
      ];
      for (const [line, view] of steps) {
        const output = line === ""
          ? dumbScreen.redrawInput(view)
          : dumbScreen.printAbove(line, view);
        ok(!output.includes("\x1b"), JSON.stringify(output));
        dumb.write(output);
        ansi.write(line === "" ? ansiScreen.redrawInput(view) : ansiScreen.printAbove(line, view));
        deepStrictEqual([dumb.row, dumb.column], [ansi.row, ansi.column]);
        deepStrictEqual(
          dumb.rows.map((_, row) => dumb.line(row)),
          ansi.rows.map((_, row) => ansi.line(row)),
        );
      }
      ok(!dumb.touchedLastColumn);
      strictEqual(dumbScreen.clearInput().includes("\x1b"), false);
    });
  },
});

Deno.test({
  name: "Screen handles its prompt and width",
  permissions: "none",
  fn: async (t) => {
    await t.step("sanitises the prompt", () => {
      strictEqual(new Screen({ prompt: "a\x1b[2Jb> ", width: 40 }).prompt, "a\uFFFDb> ");
    });
    await t.step("cuts a long prompt so the input keeps room", () => {
      const screen = new Screen({ prompt: "とても長いルームの名前> ", width: 20 });
      ok(displayWidth(screen.prompt) <= 20 - 1 - MIN_INPUT_COLUMNS);
      ok(screen.inputColumns >= MIN_INPUT_COLUMNS);
    });
    await t.step("follows a resize and a new prompt", () => {
      const screen = new Screen({ prompt: "> ", width: 40 });
      screen.setPrompt("#> ");
      strictEqual(screen.prompt, "#> ");
      strictEqual(screen.inputColumns, 40 - 3 - 1);
      screen.resize(10, input(""));
      strictEqual(screen.prompt, "#"); // cut to leave MIN_INPUT_COLUMNS
      strictEqual(screen.inputColumns, 10 - 1 - 1);
      screen.resize(40, input(""));
      strictEqual(screen.prompt, "#> ");
      strictEqual(screen.width, 40);
    });
    await t.step("rejects a width that is not a positive integer", () => {
      throws(() => new Screen({ prompt: "> ", width: 0 }), RangeError);
      throws(() => new Screen({ prompt: "> ", width: 80 }).resize(2.5, input("")), RangeError);
    });
  },
});

Deno.test({
  name: "Screen never lets the input line wrap, whatever the text (issue #15, fault 1)",
  permissions: "none",
  fn: async (t) => {
    for (
      const [what, grapheme, count, width] of [
        ["Devanagari with vowel signs", "कि", 14, 40],
        ["skin-tone emoji drawn as two", "👍🏽", 12, 40],
        ["ZWJ family drawn as three", "👨‍👩‍👧", 12, 40],
        ["halfwidth katakana with voiced mark", "ｶﾞ", 30, 40],
        ["Thai with sara am", "กำ", 30, 40],
      ] as const
    ) {
      await t.step(
        `${what}: one row, cursor after the text, on a terminal drawing the most`,
        () => {
          const terminal = new FakeTerminal(width, graphemeWidthBound);
          const screen = new Screen({ prompt: "[lobby] alice> ", width });
          const typed = input(grapheme.repeat(count));
          terminal.write(screen.redrawInput(typed));
          terminal.write(screen.printAbove("09:05 bob: hi", typed));
          ok(!terminal.touchedLastColumn, terminal.rows.map((row) => row.join("")).join("|"));
          strictEqual(terminal.rows.length, 2);
          strictEqual(terminal.line(0), "09:05 bob: hi");
          ok(terminal.line(1).startsWith("[lobby] alice> "), terminal.line(1));
          strictEqual(terminal.row, 1);
          strictEqual(terminal.column, displayWidth(terminal.line(1)) === 0 ? 0 : terminal.column);
          const drawn = segmentGraphemes(terminal.line(1)).reduce(
            (sum, shown) => sum + graphemeWidthBound(shown),
            0,
          );
          strictEqual(terminal.column, drawn);
        },
      );
    }
  },
});

Deno.test({
  name: "Screen.resize() leaves no stale copy of the draft on a reflowing terminal (fault 4)",
  permissions: "none",
  fn: async (t) => {
    for (const cursor of [0, 10, 30, 55]) {
      await t.step(`narrowed from 80 to 24 with the cursor at ${cursor}`, () => {
        const terminal = new FakeTerminal(80);
        const screen = new Screen({ prompt: "> ", width: 80 });
        const draft = input("a draft that is typed and long enough to reflow over rows", cursor);
        terminal.write(screen.printAbove("09:05 bob: hi", draft));
        terminal.reflow(24);
        terminal.write(screen.resize(24, draft));
        const rows = terminal.rows.map((_, row) => terminal.line(row)).filter((row) => row !== "");
        strictEqual(rows.length, 2, rows.join("|"));
        strictEqual(rows[0], "09:05 bob: hi");
        ok(rows[1].startsWith("> "), rows[1]);
      });
    }
  },
});

Deno.test({
  name: "Screen wraps printed lines itself, with a hanging indent (fault 3)",
  permissions: "none",
  fn: () => {
    const terminal = new FakeTerminal(80);
    const screen = new Screen({ prompt: "> ", width: 80 });
    const spoof = `ok${" ".repeat(62)}15:16 alice: the meeting moved, new room is lobby2`;
    terminal.write(screen.printAbove(`15:15 bob: ${spoof}`, input("")));
    strictEqual(terminal.line(0), `15:15 bob: ok`);
    strictEqual(terminal.line(1), "      15:16 alice: the meeting moved, new room is lobby2");
    ok(!terminal.touchedLastColumn);
  },
});
