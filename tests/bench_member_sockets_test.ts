import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { generatorUnavailable, MemberSockets } from "../bench/member_sockets.ts";

const LOOPBACK = "127.0.0.1";
const MEMBERS = 3;
/** Longest wait for the datagrams sent to the members, ms (the loop is bounded by it). */
const ARRIVAL_DEADLINE_MS = 5_000;
/** How long one poll may block, ms. */
const POLL_MS = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

Deno.test({
  name: "member sockets send from their own ports and hand over what each one receives",
  ignore: generatorUnavailable() !== null,
  fn: async () => {
    const server = Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 });
    const serverPort = (server.addr as Deno.NetAddr).port;
    const received: string[][] = Array.from({ length: MEMBERS }, () => []);
    const sockets = new MemberSockets(
      MEMBERS,
      LOOPBACK,
      serverPort,
      (member, bytes, start, end) => {
        received[member].push(decoder.decode(bytes.subarray(start, end)));
      },
    );
    sockets.busy.start();
    try {
      strictEqual(new Set(sockets.ports).size, MEMBERS);

      const hello = encoder.encode("hello from 1");
      sockets.sendArena.set(hello, sockets.sendSlot(1));
      ok(sockets.send(1, hello.length));
      const [data, from] = await server.receive();
      strictEqual(decoder.decode(data), "hello from 1");
      strictEqual((from as Deno.NetAddr).port, sockets.ports[1]);

      for (const [member, port] of sockets.ports.entries()) {
        for (const n of [1, 2]) {
          await server.send(encoder.encode(`to ${member} #${n}`), {
            transport: "udp",
            hostname: LOOPBACK,
            port,
          });
        }
      }
      const deadline = performance.now() + ARRIVAL_DEADLINE_MS;
      while (received.flat().length < 2 * MEMBERS && performance.now() < deadline) {
        sockets.poll(POLL_MS);
      }
      deepStrictEqual(
        received,
        sockets.ports.map((_, member) => [`to ${member} #1`, `to ${member} #2`]),
      );
      const busy = sockets.busy.busyPercent();
      ok(busy > 0 && Number.isFinite(busy), `the thread was busy some of the time: ${busy}%`);
    } finally {
      sockets.close();
      server.close();
    }
  },
});
