/**
 * Bounded memory: 100,000 create, join, talk and leave cycles through the server state leave
 * no room, member, token or per-IP entry behind. (The heap figure around the same cycles is
 * measured by the soak script, with a real garbage collection; see docs/reliability.md.)
 */

import { ok, strictEqual } from "node:assert/strict";
import { cycleState, runStateCycles } from "../soak/state_cycles.ts";

const CYCLES = 100_000;
/** Longer than any request bucket takes to refill. */
const IDLE_MS = 60_000;

Deno.test("100,000 create, join and leave cycles leave nothing behind", () => {
  const { state, notifier } = cycleState();
  const end = runStateCycles(state, CYCLES);
  strictEqual(state.rooms.size, 0);
  strictEqual(state.memberCount, 0);
  // Each cycle's forged datagram was dropped; nothing else was.
  strictEqual(state.counters.wrongAddress, CYCLES);
  strictEqual(state.counters.total, CYCLES);
  ok(notifier.calls >= CYCLES * 4, `${notifier.calls} notifications`);
  ok(state.trackedRequestIps > 0);
  state.sweep(end + IDLE_MS);
  strictEqual(state.trackedRequestIps, 0);
});
