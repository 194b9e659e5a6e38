/**
 * Attack 9: forged ICMP port-unreachable errors against a server on the fast path (`--udp fast`), quoting the
 * legit room's host's address: three in a row remove a member as unreachable, and a removed
 * host closes its room. Deno has no raw sockets, so a small python3 helper (run as root) forges
 * them, to 127.0.0.1 only.
 *
 * @module
 */

import { linesDuring } from "./log_figures.ts";
import { LEGIT_ROOM } from "./legit_room.ts";
import { assertLoopback } from "./loopback.ts";
import type { Attack } from "./types.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

const HELPER = new URL("./icmp_forge.py", import.meta.url).pathname;
/** Forged errors per second: far above the 3 in a row that remove a member. */
const ERRORS_PER_SECOND = 50;
const MAX_ERRORS = 10_000;
/** An IPv4 header, for the traffic figure: the helper's packets carry one. */
const IP_HEADER_BYTES = 20;

/** See the module comment. */
export const icmpAttack: Attack = {
  id: 9,
  title: "forged ICMP port unreachable (fast path)",
  server: { fastUdp: true },
  async run(ctx) {
    assertLoopback(ctx.legitHost.hostname);
    const { value: sent, lines } = await linesDuring(ctx.log, () =>
      ctx.window(async () => {
        // No abort signal: the helper stops by itself after the window's seconds.
        const { stdout, stderr, success } = await new Deno.Command("python3", {
          args: [
            HELPER,
            ctx.port,
            ctx.legitHost.port,
            ERRORS_PER_SECOND,
            ctx.durationMs / MS_PER_SECOND,
            MAX_ERRORS,
          ].map(String),
          stdout: "piped",
          stderr: "piped",
        }).output();
        if (!success) {
          throw new Error(`icmp_forge.py failed: ${new TextDecoder().decode(stderr).trim()}`);
        }
        const [count, size] = new TextDecoder().decode(stdout).trim().split(" ").map(Number);
        ctx.traffic.add(count * (size + IP_HEADER_BYTES));
        return count;
      }));
    const removed = lines.some((line) => line.includes(`is unreachable in room "${LEGIT_ROOM}"`));
    const closed = lines.some((line) => line.includes(`room "${LEGIT_ROOM}" closed`));
    return {
      text: `${sent} forged errors; legit host ${removed ? "REMOVED" : "survived"}, ` +
        `room ${closed ? "CLOSED" : "open"}`,
      concern: removed || closed ? "forged ICMP removes members" : undefined,
      values: { forged: sent, hostRemoved: removed, roomClosed: closed },
    };
  },
};
