import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Outbox } from "../client/outbox.ts";

const config = { resendAfterMs: 1_000, maxAttempts: 3 };

Deno.test("Outbox sends one message at a time, each after the previous one is confirmed", {
  permissions: "none",
}, () => {
  const outbox = new Outbox(config);
  outbox.enqueue("a");
  outbox.enqueue("b");
  deepStrictEqual(outbox.poll(0), { type: "send", text: "a" });
  strictEqual(outbox.poll(10), null, "b must wait for a's echo");
  strictEqual(outbox.confirm("b"), false, "an echo of another text confirms nothing");
  strictEqual(outbox.confirm("a"), true);
  deepStrictEqual(outbox.poll(20), { type: "send", text: "b" });
  strictEqual(outbox.confirm("b"), true);
  strictEqual(outbox.pending, 0);
  strictEqual(outbox.poll(30), null);
});

Deno.test("Outbox resends an unconfirmed message, then gives up after the last attempt", {
  permissions: "none",
}, () => {
  const outbox = new Outbox(config);
  outbox.enqueue("lost");
  outbox.enqueue("next");
  deepStrictEqual(outbox.poll(0), { type: "send", text: "lost" });
  strictEqual(outbox.poll(999), null);
  deepStrictEqual(outbox.poll(1_000), { type: "send", text: "lost" });
  deepStrictEqual(outbox.poll(2_000), { type: "send", text: "lost" });
  deepStrictEqual(outbox.poll(3_000), { type: "give-up", text: "lost" });
  deepStrictEqual(outbox.poll(3_000), { type: "send", text: "next" });
});

Deno.test("Outbox waits a full resend delay after the server reports rate limiting", {
  permissions: "none",
}, () => {
  const outbox = new Outbox(config);
  outbox.enqueue("m");
  outbox.poll(0);
  outbox.rateLimited(900);
  strictEqual(outbox.poll(1_000), null, "the delay restarts at the notice");
  deepStrictEqual(outbox.poll(1_900), { type: "send", text: "m" });
});

Deno.test("Outbox ignores an echo that arrives before the message was sent", {
  permissions: "none",
}, () => {
  const outbox = new Outbox(config);
  outbox.enqueue("x");
  strictEqual(outbox.confirm("x"), false);
  strictEqual(outbox.pending, 1);
});
