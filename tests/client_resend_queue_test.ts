import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { ResendQueue } from "../client/resend_queue.ts";

const config = { resendAfterMs: 1_000, maxAttempts: 3 };

Deno.test("ResendQueue sends one message at a time, each after the previous one is confirmed", {
  permissions: "none",
}, () => {
  const queue = new ResendQueue(config, 7);
  queue.enqueue("a");
  queue.enqueue("b");
  deepStrictEqual(queue.poll(0), { type: "send", text: "a", id: 7 });
  strictEqual(queue.poll(10), null, "b must wait for a's echo");
  strictEqual(queue.confirm("b", 1), false, "an echo of another text confirms nothing");
  strictEqual(queue.confirm("a", 1), true);
  deepStrictEqual(queue.poll(20), { type: "send", text: "b", id: 8 });
  strictEqual(queue.confirm("b", 2), true);
  strictEqual(queue.pending, 0);
  strictEqual(queue.poll(30), null);
});

Deno.test("ResendQueue resends an unconfirmed message, then gives up after the last attempt", {
  permissions: "none",
}, () => {
  const queue = new ResendQueue(config, 7);
  queue.enqueue("lost");
  queue.enqueue("next");
  deepStrictEqual(queue.poll(0), { type: "send", text: "lost", id: 7 });
  strictEqual(queue.poll(999), null);
  deepStrictEqual(queue.poll(1_000), { type: "send", text: "lost", id: 7 });
  deepStrictEqual(queue.poll(2_000), { type: "send", text: "lost", id: 7 });
  deepStrictEqual(queue.poll(3_000), { type: "give-up", text: "lost" });
  deepStrictEqual(queue.poll(3_000), { type: "send", text: "next", id: 8 });
});

Deno.test("ResendQueue waits a full resend delay after the server reports rate limiting", {
  permissions: "none",
}, () => {
  const queue = new ResendQueue(config, 7);
  queue.enqueue("m");
  queue.poll(0);
  queue.rateLimited(900);
  strictEqual(queue.poll(1_000), null, "the delay restarts at the notice");
  deepStrictEqual(queue.poll(1_900), { type: "send", text: "m", id: 7 });
});

Deno.test("ResendQueue ignores an echo that arrives before the message was sent", {
  permissions: "none",
}, () => {
  const queue = new ResendQueue(config, 7);
  queue.enqueue("x");
  strictEqual(queue.confirm("x", 1), false);
  strictEqual(queue.pending, 1);
});

Deno.test("ResendQueue: a resend reuses its message id; ids count on and wrap at 2^32", {
  permissions: "none",
}, () => {
  const queue = new ResendQueue(config, 2 ** 32 - 1);
  queue.enqueue("a");
  queue.enqueue("b");
  deepStrictEqual(queue.poll(0), { type: "send", text: "a", id: 2 ** 32 - 1 });
  deepStrictEqual(queue.poll(1_000), { type: "send", text: "a", id: 2 ** 32 - 1 });
  strictEqual(queue.confirm("a", 1), true);
  deepStrictEqual(queue.poll(1_001), { type: "send", text: "b", id: 0 });
  deepStrictEqual(queue.texts, ["b"]);
});

Deno.test("ResendQueue: a send the flood limit dropped is not counted as an attempt", {
  permissions: "none",
}, () => {
  const queue = new ResendQueue(config, 1);
  queue.enqueue("m");
  let now = 0;
  for (let i = 0; i < 10; i++) {
    deepStrictEqual(queue.poll(now), { type: "send", text: "m", id: 1 });
    queue.rateLimited(now + 10);
    now += 1_010;
  }
  strictEqual(queue.pending, 1, "still paced, never given up while the server says slow down");
});

Deno.test("ResendQueue: an echo of an earlier message with the same text confirms nothing", {
  permissions: "none",
}, () => {
  const queue = new ResendQueue(config, 7);
  queue.enqueue("ok");
  queue.enqueue("ok");
  queue.poll(0);
  strictEqual(queue.confirm("ok", 5), true);
  queue.poll(10);
  strictEqual(queue.confirm("ok", 5), false, "the first one's echo again (a network duplicate)");
  strictEqual(queue.pending, 1);
  strictEqual(queue.confirm("ok", 9), true, "the second one's, seen before or not");
});
