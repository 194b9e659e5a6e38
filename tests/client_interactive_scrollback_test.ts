import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Scrollback } from "../client/interactive/scrollback.ts";

Deno.test("Scrollback pages over the lines shown and counts what arrives meanwhile", {
  permissions: "none",
}, async (t) => {
  await t.step("up opens a page above the bottom one, down to the bottom closes it", () => {
    const scrollback = new Scrollback();
    scrollback.add(["1", "2", "3", "4", "5"]);
    strictEqual(scrollback.scroll(-1, 2), "none");
    strictEqual(scrollback.scroll(1, 2), "opened");
    deepStrictEqual(scrollback.page(80, 2).rows, ["2", "3"]);
    strictEqual(scrollback.scroll(1, 2), "moved");
    deepStrictEqual(scrollback.page(80, 2).rows, ["1", "2"]); // clamped at the oldest
    scrollback.add(["6"]);
    strictEqual(scrollback.unread, 1);
    strictEqual(scrollback.scroll(-1, 2), "moved");
    strictEqual(scrollback.scroll(-1, 2), "closed");
    deepStrictEqual(scrollback.close(), ["6"]);
    strictEqual(scrollback.isOpen, false);
    strictEqual(scrollback.close(), null);
  });
  await t.step("keeps at most its limit, the oldest dropped", () => {
    const scrollback = new Scrollback(3);
    scrollback.add(["1", "2", "3", "4"]);
    scrollback.scroll(1, 3);
    deepStrictEqual(scrollback.page(80, 3).rows, ["2", "3", "4"]);
  });
});
