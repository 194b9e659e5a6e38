/**
 * A flood of joins spread over many pre-created rooms (each room holds at most
 * --max-room-members, 5,000 by default), shared by attacks 7 and 11.
 *
 * @module
 */

import { OTHER_IPS, otherIp } from "./loopback.ts";
import { type FloodResult, RATE_PER_IP, requestFlood } from "./request_flood.ts";
import type { AttackContext } from "./types.ts";

/** Rooms the joins are spread over: 40 × 4,999 members is more than any window admits. */
const ROOMS = 40;
/** Every room's create may be open at once: the pacer skips, not queues, past this. */
const CREATE_IN_FLIGHT = ROOMS;
const JOIN_IN_FLIGHT = 256;
const MAX_JOINS = 200_000;

/** What a join flood does. */
export interface JoinFloodOptions {
  /** Prefix of the rooms' names. */
  readonly prefix: string;
  /** Source addresses: the first `ips` of otherIp. */
  readonly ips: number;
  /** The username of join `i`. */
  readonly username: (i: number) => string;
}

/** Creates the rooms (unmeasured), then floods them with joins during the window. */
export async function joinFlood(
  ctx: AttackContext,
  options: JoinFloodOptions,
): Promise<FloodResult> {
  const ips = Array.from({ length: Math.min(options.ips, OTHER_IPS) }, (_, i) => otherIp(i));
  const rooms = await requestFlood({
    port: ctx.port,
    traffic: ctx.traffic,
    signal: AbortSignal.timeout(ctx.durationMs),
    ips,
    ratePerIp: RATE_PER_IP,
    maxCount: ROOMS,
    maxInFlight: CREATE_IN_FLIGHT,
    request: (r) => ({
      create: true,
      room: `${options.prefix}${r}`,
      request: { username: "host", password: null, eventFormat: 0 },
    }),
  });
  if (rooms.granted < ROOMS) throw new Error(`only ${rooms.granted} of ${ROOMS} rooms created`);
  return await ctx.window((signal) =>
    requestFlood({
      port: ctx.port,
      traffic: ctx.traffic,
      signal,
      ips,
      ratePerIp: RATE_PER_IP,
      maxCount: MAX_JOINS,
      maxInFlight: JOIN_IN_FLIGHT,
      request: (i) => ({
        create: false,
        room: `${options.prefix}${i % ROOMS}`,
        request: { username: options.username(i), password: null, eventFormat: 0 },
      }),
    })
  );
}
