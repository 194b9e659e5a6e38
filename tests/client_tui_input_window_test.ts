import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { segmentGraphemes } from "../client/tui/display_width.ts";
import { layoutInputWindow } from "../client/tui/input_window.ts";

const letters = (text: string) => segmentGraphemes(text);

Deno.test({
  name: "layoutInputWindow() keeps the cursor visible in a fixed number of cells",
  permissions: "none",
  fn: async (t) => {
    await t.step("shows short text whole", () => {
      deepStrictEqual(layoutInputWindow(letters("日本"), 1, 10, 0), {
        start: 0,
        text: "日本",
        width: 4,
        cursorColumn: 2,
      });
    });
    await t.step("scrolls so that the cursor at the end is shown", () => {
      deepStrictEqual(layoutInputWindow(letters("abcd"), 4, 2, 0), {
        start: 2,
        text: "cd",
        width: 2,
        cursorColumn: 2,
      });
    });
    await t.step("re-centres when the cursor leaves the window to the right", () => {
      const window = layoutInputWindow(letters("abcdefghijklmnopqrst"), 12, 10, 0);
      strictEqual(window.start, 7);
      strictEqual(window.cursorColumn, 5);
      strictEqual(window.text, "hijklmnopq");
    });
    await t.step("re-centres when the cursor leaves the window to the left", () => {
      const window = layoutInputWindow(letters("abcdefghijklmnopqrst"), 8, 10, 10);
      strictEqual(window.start, 3);
      strictEqual(window.cursorColumn, 5);
    });
    await t.step("stays put while the cursor moves inside the window", () => {
      const text = letters("abcdefghijklmnopqrst");
      for (let cursor = 5; cursor <= 14; cursor++) {
        strictEqual(layoutInputWindow(text, cursor, 10, 5).start, 5);
      }
    });
    await t.step("slides back to fill the window when the text got shorter", () => {
      strictEqual(layoutInputWindow(letters("abcdefgh"), 8, 10, 5).start, 0);
    });
    await t.step("never cuts a wide character and never exceeds the cells", () => {
      const text = letters("日本語のテキスト");
      for (let cursor = 0; cursor <= text.length; cursor++) {
        const window = layoutInputWindow(text, cursor, 5, 0);
        ok(window.width <= 5 && window.cursorColumn <= 5);
        strictEqual(window.width % 2, 0);
      }
    });
  },
});
