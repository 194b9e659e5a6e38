/**
 * Attack 4: Who in a large room. The attacker fills a room with members of 255-byte names from
 * many IPs (under each IP's join rate), then a few of its kaiwa members send Who (one byte of
 * command) within the flood limit: each answer lists every member, over a megabyte.
 *
 * @module
 */

import { encodeClientDatagram, encodeCommand, encodeUtf8, Operation } from "../../protocol/mod.ts";
import { OTHER_IPS, otherIp } from "./loopback.ts";
import { paced, sleep } from "./pace.ts";
import { rawExchange } from "./raw_tcrp.ts";
import { formatStatuses, paddedName, RATE_PER_IP, requestFlood } from "./request_flood.ts";
import type { Attack } from "./types.ts";
import { arrivals, UdpSink } from "./udp_sink.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

const ROOM = "who-room";
/** The server's default --max-room-members. */
const ROOM_CAPACITY = 5_000;
/** Members that send Who, each from its own IP. */
const SENDERS = 8;
/** Who per second per sender: under the default --flood-rate of 5. */
const WHO_PER_SENDER_PER_SECOND = 4;
const NAME_BYTES = 255;
const FILL_IN_FLIGHT = 256;
const FILL_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** How long one Who's answer is given to arrive, for the per-Who figure. */
const ANSWER_WAIT_MS = 2_000;
const MAX_WHO = 100_000;
const KAIWA_EVENTS = 1;
const MB = 1_000_000;
/**
 * The most a Who may answer: one page of at most 1,232 bytes (the IPv6 minimum MTU less its
 * headers) and its truncation notice. The answer goes only to the member's bound address, on the
 * IP it proved over TCP, so what matters is that it is bounded, not that it is smaller.
 */
const MAX_WHO_ANSWER_BYTES = 1_500;

/** See the module comment. */
export const whoAttack: Attack = {
  id: 4,
  title: "Who in a room of 5,000 (255-byte names)",
  server: {},
  async run(ctx) {
    const host = await rawExchange({
      localAddress: otherIp(0),
      port: ctx.port,
      operation: Operation.CreateRoom,
      room: ROOM,
      request: { username: "host", password: null, eventFormat: 0 },
      timeoutMs: REQUEST_TIMEOUT_MS,
      traffic: ctx.traffic,
    });
    if (host.token === null) throw new Error(`cannot create ${ROOM}: status ${host.status}`);
    const sinks: UdpSink[] = [];
    const datagrams: Uint8Array[] = [];
    try {
      for (let s = 0; s < SENDERS; s++) {
        const sink = new UdpSink(otherIp(1 + s));
        sinks.push(sink);
        const joined = await rawExchange({
          localAddress: otherIp(1 + s),
          port: ctx.port,
          operation: Operation.JoinRoom,
          room: ROOM,
          request: { username: `who${s}`, password: null, eventFormat: KAIWA_EVENTS },
          timeoutMs: REQUEST_TIMEOUT_MS,
          traffic: ctx.traffic,
          udpPort: sink.port,
        });
        if (joined.token === null) throw new Error(`Who sender refused: ${joined.status}`);
        datagrams.push(
          encodeClientDatagram(
            encodeUtf8(ROOM),
            encodeUtf8(joined.token),
            encodeCommand({ type: "who" }),
          ),
        );
      }
      const fillCount = ROOM_CAPACITY - 1 - SENDERS;
      ctx.progress(`filling ${ROOM} with ${fillCount} members from ${OTHER_IPS} IPs`);
      const fill = await requestFlood({
        port: ctx.port,
        traffic: ctx.traffic,
        signal: AbortSignal.timeout(FILL_TIMEOUT_MS),
        ips: Array.from({ length: OTHER_IPS }, (_, i) => otherIp(i)),
        ratePerIp: RATE_PER_IP,
        maxCount: fillCount,
        maxInFlight: FILL_IN_FLIGHT,
        request: (i) => ({
          create: false,
          room: ROOM,
          request: { username: paddedName(i, NAME_BYTES), password: null, eventFormat: 0 },
        }),
      });
      const members = 1 + SENDERS + fill.granted;
      ctx.progress(`${members} members (fill statuses ${formatStatuses(fill.statuses)})`);
      await sleep(ANSWER_WAIT_MS); // the join notices to the senders end
      const answer = await arrivals([sinks[0]], async () => {
        await sinks[0].sendToServer(datagrams[0], ctx.port, ctx.traffic);
        await sleep(ANSWER_WAIT_MS);
      });
      let whoSent = 0;
      const flood = await arrivals(sinks, () =>
        ctx.window(async (signal) => {
          const result = await paced({
            rate: SENDERS * WHO_PER_SENDER_PER_SECOND,
            maxInFlight: SENDERS,
            maxCount: MAX_WHO,
            signal,
          }, (i) => sinks[i % SENDERS].sendToServer(datagrams[i % SENDERS], ctx.port, ctx.traffic));
          whoSent = result.started;
        }));
      const seconds = ctx.durationMs / MS_PER_SECOND;
      const whoBytes = datagrams[0].length;
      return {
        text: `${members} members; one ${whoBytes}-byte Who → ${answer.datagrams} datagrams, ` +
          `≈ ${answer.bytes} bytes (${(answer.bytes / whoBytes).toFixed(0)}×); ${whoSent} Who → ` +
          `≈ ${(flood.bytes / MB / seconds).toFixed(1)} MB/s sent back`,
        concern: answer.bytes > MAX_WHO_ANSWER_BYTES
          ? `Who answers ${answer.bytes} bytes, over the ${MAX_WHO_ANSWER_BYTES}-byte bound`
          : undefined,
        values: {
          members,
          whoBytes,
          answerBytes: answer.bytes,
          answerDatagrams: answer.datagrams,
          whoSent,
          bytesBackInWindow: flood.bytes,
        },
      };
    } finally {
      await Promise.all(sinks.map((sink) => sink.close()));
    }
  },
};
