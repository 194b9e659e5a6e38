import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { complete } from "../client/interactive/completion.ts";
import { COMMAND_NAMES } from "../client/interactive/commands.ts";

const NAMES = ["alice", "Albert", "bob", "さくら"];

Deno.test("complete() completes names and /commands", { permissions: "none" }, async (t) => {
  await t.step("a name at the start of the line gets ': '", () => {
    strictEqual(complete({ before: "bo", after: "" }, NAMES, COMMAND_NAMES, null)?.before, "bob: ");
    strictEqual(
      complete({ before: "さ", after: "" }, NAMES, COMMAND_NAMES, null)?.before,
      "さくら: ",
    );
  });
  await t.step("a name inside the line gets a space, the text after the cursor is kept", () => {
    const completion = complete({ before: "hi BO", after: "!" }, NAMES, COMMAND_NAMES, null);
    deepStrictEqual([completion?.before, completion?.after], ["hi bob ", "!"]);
  });
  await t.step("a first word with a slash completes a command", () => {
    strictEqual(
      complete({ before: "/wh", after: "" }, NAMES, COMMAND_NAMES, null)?.before,
      "/who ",
    );
    strictEqual(complete({ before: "/m", after: "" }, NAMES, COMMAND_NAMES, null)?.before, "/me ");
  });
  await t.step("Tab again cycles through the matches", () => {
    const first = complete({ before: "al", after: "" }, NAMES, COMMAND_NAMES, null)!;
    strictEqual(first.before, "alice: ");
    const second = complete({ before: first.before, after: "" }, NAMES, COMMAND_NAMES, first)!;
    strictEqual(second.before, "Albert: ");
    const third = complete({ before: second.before, after: "" }, NAMES, COMMAND_NAMES, second)!;
    strictEqual(third.before, "alice: ");
  });
  await t.step("nothing to complete, or no match: null", () => {
    strictEqual(complete({ before: "", after: "" }, NAMES, COMMAND_NAMES, null), null);
    strictEqual(complete({ before: "hi ", after: "" }, NAMES, COMMAND_NAMES, null), null);
    strictEqual(complete({ before: "zed", after: "" }, NAMES, COMMAND_NAMES, null), null);
  });
});
