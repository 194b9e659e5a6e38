import { notDeepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { scryptHasher } from "../server/password.ts";

Deno.test("scryptHasher keeps salted hashes only", async (t) => {
  const first = await scryptHasher.hash("correct horse");
  await t.step("the right password verifies, a wrong one does not", async () => {
    ok(await scryptHasher.verify("correct horse", first));
    ok(!(await scryptHasher.verify("correct hors", first)));
    ok(!(await scryptHasher.verify("", first)));
  });
  await t.step("each hash has its own salt, and no clear text", async () => {
    const second = await scryptHasher.hash("correct horse");
    notDeepStrictEqual(first.salt, second.salt);
    notDeepStrictEqual(first.key, second.key);
    strictEqual(new TextDecoder().decode(first.key).includes("correct"), false);
  });
});
