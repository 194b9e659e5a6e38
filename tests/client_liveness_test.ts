import { strictEqual } from "node:assert/strict";
import { Liveness } from "../client/liveness.ts";

const config = { pingIntervalMs: 5_000, silenceLimitMs: 15_000 };

Deno.test("Liveness pings at once, then once per interval", { permissions: "none" }, () => {
  const liveness = new Liveness(0, config);
  strictEqual(liveness.poll(0), "ping");
  strictEqual(liveness.poll(4_999), null);
  strictEqual(liveness.poll(5_000), "ping");
});

Deno.test(
  "Liveness declares the connection lost after the silence limit",
  { permissions: "none" },
  () => {
    const liveness = new Liveness(0, config);
    liveness.poll(0);
    strictEqual(liveness.poll(14_999) === "lost", false);
    strictEqual(liveness.poll(15_000), "lost");
  },
);

Deno.test("Liveness: hearing from the server restarts the silence", { permissions: "none" }, () => {
  const liveness = new Liveness(0, config);
  liveness.heard(10_000);
  strictEqual(liveness.poll(24_999) === "lost", false);
  strictEqual(liveness.poll(25_000), "lost");
});
