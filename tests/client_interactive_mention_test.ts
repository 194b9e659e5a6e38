import { strictEqual } from "node:assert/strict";
import { parseAction } from "../client/interactive/action.ts";
import { mentions } from "../client/interactive/mention.ts";

Deno.test("mentions() finds a name as a word of its own", { permissions: "none" }, async (t) => {
  const cases: [string, boolean][] = [
    ["alice: lunch?", true],
    ["hi Alice!", true],
    ["@alice", true],
    ["ALICE", true],
    ["malice", false],
    ["alice_b", false],
    ["alice2", false],
    ["no one", false],
  ];
  for (const [text, expected] of cases) {
    await t.step(`${JSON.stringify(text)}: ${expected}`, () => {
      strictEqual(mentions(text, "alice"), expected);
    });
  }
  await t.step("a Japanese name in Japanese text", () => {
    strictEqual(mentions("さくら、こんにちは", "さくら"), true);
  });
});

Deno.test("parseAction() reads /me actions", { permissions: "none" }, () => {
  strictEqual(parseAction("/me waves"), "waves");
  strictEqual(parseAction("/me "), null);
  strictEqual(parseAction("/message"), null);
  strictEqual(parseAction("waves"), null);
});
