/**
 * Attack 1: connections reset right after the handshake (RST via SO_LINGER 0, which node:net's
 * `resetAndDestroy` sets), 40 a second from one IP. A connection reset while it waits in the
 * accept queue makes Deno's accept fail (ENOTCONN), and the old accept loop sleeps 50 ms after
 * each failure: more resets arrive meanwhile, and the legit joins wait in the same queue.
 *
 * @module
 */

import { faultCount, linesDuring } from "./log_figures.ts";
import { otherIp } from "./loopback.ts";
import { paced } from "./pace.ts";
import { connected, connectFrom } from "./raw_tcrp.ts";
import type { Attack } from "./types.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

const RESETS_PER_SECOND = 40;
/** Connects that wait for a full accept queue's SYN retries are abandoned at this many. */
const MAX_IN_FLIGHT = 200;
const CONNECT_TIMEOUT_MS = 3_000;
const MAX_RESETS = 100_000;

/** See the module comment. */
export const resetAttack: Attack = {
  id: 1,
  title: "TCP reset after handshake, 40/s, 1 IP",
  server: {},
  async run(ctx) {
    let resets = 0;
    const { value, lines } = await linesDuring(ctx.log, () =>
      ctx.window((signal) =>
        paced({
          rate: RESETS_PER_SECOND,
          maxInFlight: MAX_IN_FLIGHT,
          maxCount: MAX_RESETS,
          signal,
        }, async () => {
          const socket = connectFrom(otherIp(0), ctx.port, ctx.traffic);
          if (await connected(socket, CONNECT_TIMEOUT_MS)) {
            socket.resetAndDestroy();
            resets++;
          } else {
            socket.destroy();
          }
        })
      ));
    const acceptFaults = faultCount(lines, "accepting a connection");
    const seconds = ctx.durationMs / MS_PER_SECOND;
    return {
      text: `${resets} resets (${value.skipped} skipped: connect pending); ` +
        `${acceptFaults} failed accepts (${(acceptFaults / seconds).toFixed(1)}/s)`,
      concern: acceptFaults > 0 ? "accept fails on resets" : undefined,
      values: { resets, skipped: value.skipped, acceptFaults },
    };
  },
};
