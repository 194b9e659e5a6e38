import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { displayWidthBound } from "../client/tui/display_width.ts";
import { pageOf } from "../client/tui/pager.ts";
import { HANGING_INDENT, wrapLine } from "../client/tui/wrap.ts";

// deno-lint-ignore no-control-regex -- removing SGR sequences
const SGR = /\x1b\[[0-9;]*m/g;

Deno.test("wrapLine() wraps with a hanging indent", { permissions: "none" }, async (t) => {
  await t.step("a short line is one row", () => {
    deepStrictEqual(wrapLine("09:05 bob: hi", 80), ["09:05 bob: hi"]);
  });
  await t.step("breaks after a space, continuation rows indented", () => {
    deepStrictEqual(wrapLine("09:05 bob: one two three", 20), [
      "09:05 bob: one two",
      "      three",
    ]);
  });
  await t.step("a padded message cannot forge a line of its own (fault 3)", () => {
    const spoof = `ok${" ".repeat(62)}15:16 alice: the meeting moved, new room is lobby2`;
    const rows = wrapLine(`15:15 bob: ${spoof}`, 80);
    strictEqual(rows.length, 2);
    ok(rows[1].startsWith(" ".repeat(HANGING_INDENT) + "15:16 alice:"), rows[1]);
  });
  await t.step("colour codes take no cell and are kept", () => {
    const rows = wrapLine(`\x1b[2m09:05\x1b[0m ${"x".repeat(30)}`, 20);
    ok(rows[0].startsWith("\x1b[2m09:05\x1b[0m"));
    for (const row of rows) ok(displayWidthBound(row.replace(SGR, "")) <= 19, row);
  });
  await t.step("no row reaches the last column, whatever the text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", " ", "日", "👍🏽", "कि", "e\u0301", "🇯🇵"), { maxLength: 80 }),
        // From 8 columns, the widest grapheme (4 cells at most) always fits on a row.
        fc.integer({ min: 8, max: 60 }),
        (graphemes, width) => {
          const text = graphemes.join("");
          const rows = wrapLine(text, width);
          // Narrow screens get no indent (wrap.ts): there would be no room left for text.
          const indent = width - 1 > HANGING_INDENT * 2 ? HANGING_INDENT : 0;
          const kept = rows.map((row, i) => i === 0 ? row : row.slice(indent)).join("");
          return rows.every((row) => displayWidthBound(row) <= width - 1) &&
            kept.replaceAll(" ", "").length === text.replaceAll(" ", "").length;
        },
      ),
    );
  });
});

Deno.test("pageOf() gives a page of wrapped rows, clamped", { permissions: "none" }, () => {
  const lines = ["a", "b", "c", "d"];
  deepStrictEqual(pageOf(lines, 80, 2, 0), { rows: ["c", "d"], offset: 0 });
  deepStrictEqual(pageOf(lines, 80, 2, 1), { rows: ["b", "c"], offset: 1 });
  deepStrictEqual(pageOf(lines, 80, 2, 99), { rows: ["a", "b"], offset: 2 });
  deepStrictEqual(pageOf(lines, 80, 10, 5), { rows: lines, offset: 0 });
});
