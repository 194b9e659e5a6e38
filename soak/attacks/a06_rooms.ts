/**
 * Attack 6: 50 IPs create rooms until the server's --max-rooms (10,000 by default) is
 * reached, then keep creating, so that no one else can create a room. A created room lives
 * until its host times out (300 s by default), whether or not the host ever speaks.
 *
 * @module
 */

import { Status } from "../../protocol/mod.ts";
import { otherIp } from "./loopback.ts";
import { formatStatuses, RATE_PER_IP, requestFlood, statusValues } from "./request_flood.ts";
import type { Attack } from "./types.ts";

const IPS = 50;
/** The server's default --max-rooms, and a margin for the legit rooms. */
const FILL_COUNT = 10_050;
const FILL_IN_FLIGHT = 256;
const FILL_TIMEOUT_MS = 90_000;
/** During the window, creates per second per IP: enough to take any room freed. */
const KEEP_RATE_PER_IP = 2;
const KEEP_MAX = 100_000;

/** See the module comment. */
export const roomsAttack: Attack = {
  id: 6,
  title: "50 IPs create rooms up to --max-rooms",
  server: {},
  async run(ctx) {
    const ips = Array.from({ length: IPS }, (_, i) => otherIp(i));
    const create = (prefix: string) => (i: number) => ({
      create: true,
      room: `${prefix}${i}`,
      request: { username: "h", password: null, eventFormat: 0 },
    });
    ctx.progress(`creating up to ${FILL_COUNT} rooms from ${IPS} IPs`);
    const fill = await requestFlood({
      port: ctx.port,
      traffic: ctx.traffic,
      signal: AbortSignal.timeout(FILL_TIMEOUT_MS),
      ips,
      ratePerIp: RATE_PER_IP,
      maxCount: FILL_COUNT,
      maxInFlight: FILL_IN_FLIGHT,
      request: create("fill"),
    });
    ctx.progress(`fill statuses ${formatStatuses(fill.statuses)}`);
    const keep = await ctx.window((signal) =>
      requestFlood({
        port: ctx.port,
        traffic: ctx.traffic,
        signal,
        ips,
        ratePerIp: KEEP_RATE_PER_IP,
        maxCount: KEEP_MAX,
        maxInFlight: FILL_IN_FLIGHT,
        request: create("keep"),
      })
    );
    const full = (fill.statuses[String(Status.ServerFull)] ?? 0) +
      (keep.statuses[String(Status.ServerFull)] ?? 0);
    return {
      text: `${fill.granted + keep.granted} rooms held by ${IPS} IPs; ` +
        `${full} attacker creates refused as server full (legit creates: see join failures)`,
      values: {
        roomsCreated: fill.granted + keep.granted,
        serverFull: full,
        ...statusValues(keep),
      },
    };
  },
};
