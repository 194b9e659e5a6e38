/**
 * Attack 8: one IP, 100 members sharing one UDP socket, each sending within its own flood
 * bucket: the flood limit is per member, not per address, so one socket relays 100 × the
 * per-member rate. A listener member on another IP counts what is relayed.
 *
 * @module
 */

import { encodeClientDatagram, encodeUtf8, Operation } from "../../protocol/mod.ts";
import { otherIp } from "./loopback.ts";
import { paced, sleep } from "./pace.ts";
import { rawExchange } from "./raw_tcrp.ts";
import type { Attack } from "./types.ts";
import { arrivals, UdpSink } from "./udp_sink.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

const ROOM = "shared-room";
const MEMBERS = 100;
/** Messages per second per member: under the default --flood-rate of 5. */
const PER_MEMBER_RATE = 4.7;
/** The server's default --flood-rate, for the figure. */
const FLOOD_RATE = 5;
/** The server's default --ip-flood-rate: all members of one address together. */
const IP_FLOOD_RATE = 20;
/** One address may relay a little over its rate (its 2-second burst) without a concern. */
const FLOOD_SLACK = 1.5;
/** Under the default --join-rate of 20 per second per IP. */
const JOIN_INTERVAL_MS = 55;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_MESSAGES = 100_000;

/** See the module comment. */
export const sharedSocketAttack: Attack = {
  id: 8,
  title: "100 members on one UDP socket, 1 IP",
  server: {},
  async run(ctx) {
    const shared = new UdpSink(otherIp(0));
    const listener = new UdpSink(otherIp(1));
    try {
      const heads: Uint8Array[] = [];
      for (let m = 0; m < MEMBERS; m++) {
        const outcome = await rawExchange({
          localAddress: otherIp(0),
          port: ctx.port,
          operation: m === 0 ? Operation.CreateRoom : Operation.JoinRoom,
          room: ROOM,
          request: { username: `u${m}`, password: null, eventFormat: 0 },
          timeoutMs: REQUEST_TIMEOUT_MS,
          traffic: ctx.traffic,
        });
        if (outcome.token === null) throw new Error(`member ${m} refused: ${outcome.status}`);
        // No port announcement: each member is bound to the shared socket by its first datagram.
        heads.push(encodeUtf8(outcome.token));
        await sleep(JOIN_INTERVAL_MS);
      }
      const joined = await rawExchange({
        localAddress: otherIp(1),
        port: ctx.port,
        operation: Operation.JoinRoom,
        room: ROOM,
        request: { username: "listener", password: null, eventFormat: 0 },
        timeoutMs: REQUEST_TIMEOUT_MS,
        traffic: ctx.traffic,
        udpPort: listener.port,
      });
      if (joined.token === null) throw new Error(`listener refused: ${joined.status}`);
      const room = encodeUtf8(ROOM);
      const text = encodeUtf8("x");
      const datagrams = heads.map((token) => encodeClientDatagram(room, token, text));
      let sent = 0;
      const relayed = await arrivals([listener], () =>
        ctx.window(async (signal) => {
          const result = await paced({
            rate: MEMBERS * PER_MEMBER_RATE,
            maxInFlight: MEMBERS,
            maxCount: MAX_MESSAGES,
            signal,
          }, (i) => shared.sendToServer(datagrams[i % MEMBERS], ctx.port, ctx.traffic));
          sent = result.started;
        }));
      const perSecond = relayed.datagrams / (ctx.durationMs / MS_PER_SECOND);
      return {
        text: `${sent} sent from one socket; ${perSecond.toFixed(0)} msgs/s relayed ` +
          `(${(perSecond / FLOOD_RATE).toFixed(0)}× the per-member limit of ${FLOOD_RATE}/s; ` +
          `the per-address limit is ${IP_FLOOD_RATE}/s)`,
        concern: perSecond > IP_FLOOD_RATE * FLOOD_SLACK
          ? `one address relays ${(perSecond / IP_FLOOD_RATE).toFixed(1)}× its limit`
          : undefined,
        values: { sent, relayed: relayed.datagrams, relayedPerSecond: perSecond },
      };
    } finally {
      await shared.close();
      await listener.close();
    }
  },
};
