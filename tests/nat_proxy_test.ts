/**
 * The NAT proxy test helper itself: port rewriting, TCP splicing, rebinding, replies from another
 * address, duplicates, seeded drops and delays. Against a tiny echo server on loopback.
 */

import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { NatProxy } from "./nat_proxy.ts";
import { mulberry32 } from "./prng.ts";
import { SILENCE_MS, UdpClient, waitFor } from "./server_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A UDP echo that answers `<source port> <text>`, and a TCP echo, on one port number. */
class EchoServer {
  readonly udp: Deno.DatagramConn;
  readonly tcp: Deno.Listener;
  readonly #loops: Promise<void>[] = [];

  constructor() {
    // A free UDP port whose number is also free for TCP: a few tries at most.
    for (let i = 0;; i++) {
      const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      try {
        this.tcp = Deno.listen({ hostname: "127.0.0.1", port: (udp.addr as Deno.NetAddr).port });
        this.udp = udp;
        break;
      } catch (error) {
        udp.close();
        if (!(error instanceof Deno.errors.AddrInUse) || i >= 20) throw error;
      }
    }
    this.#loops.push(this.#udpLoop(), this.#tcpLoop());
  }

  get port(): number {
    return (this.udp.addr as Deno.NetAddr).port;
  }

  async #udpLoop(): Promise<void> {
    for (;;) {
      try {
        const [data, from] = await this.udp.receive();
        const port = (from as Deno.NetAddr).port;
        await this.udp.send(encoder.encode(`${port} ${decoder.decode(data)}`), from);
      } catch {
        return;
      }
    }
  }

  async #tcpLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.tcp.accept();
      } catch {
        return;
      }
      const buffer = new Uint8Array(64);
      const n = await conn.read(buffer);
      if (n !== null) await conn.write(buffer.subarray(0, n));
      conn.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.udp.close();
    this.tcp.close();
    await Promise.all(this.#loops);
  }
}

/** Sends `text` through the proxy and returns the echo's source port and the port the server saw. */
async function roundTrip(
  client: UdpClient,
  proxy: NatProxy,
  text: string,
): Promise<{ seenPort: number; from: Deno.NetAddr }> {
  await client.socket.send(encoder.encode(text), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: proxy.port,
  });
  const [data, from] = await client.socket.receive();
  const [port, echoed] = decoder.decode(data).split(" ");
  strictEqual(echoed, text);
  return { seenPort: Number(port), from: from as Deno.NetAddr };
}

Deno.test("nat proxy: rewrites the source port, splices TCP, and rebind changes the port", async () => {
  await using server = new EchoServer();
  await using proxy = NatProxy.start({ target: { hostname: "127.0.0.1", port: server.port } });
  await using client = new UdpClient();

  const first = await roundTrip(client, proxy, "one");
  notStrictEqual(first.seenPort, client.port, "the server sees the proxy's port, not the client's");
  deepStrictEqual([first.from.hostname, first.from.port], ["127.0.0.1", proxy.port]);
  strictEqual((await roundTrip(client, proxy, "two")).seenPort, first.seenPort, "a stable mapping");

  proxy.rebind();
  const after = await roundTrip(client, proxy, "three");
  notStrictEqual(after.seenPort, first.seenPort, "a new outward port after rebind");
  deepStrictEqual(proxy.outwardPorts, [after.seenPort]);

  // What the server still sends to the old port is lost, like behind a real NAT.
  await server.udp.send(encoder.encode("stale"), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: first.seenPort,
  });
  // Once the proxy has read it from the abandoned socket, nothing of it reaches the client.
  await waitFor(() => proxy.stats.lostReplies > 0, "the stale reply read by the proxy");
  strictEqual(proxy.stats.lostReplies, 1);
  strictEqual(await client.receive(SILENCE_MS), null);

  using conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  await conn.write(encoder.encode("tcp hello"));
  const buffer = new Uint8Array(64);
  const n = await conn.read(buffer);
  strictEqual(decoder.decode(buffer.subarray(0, n ?? 0)), "tcp hello");
});

Deno.test("nat proxy: replies can come from another address at the same port", async () => {
  await using server = new EchoServer();
  await using proxy = NatProxy.start({
    target: { hostname: "127.0.0.1", port: server.port },
    replyHost: "127.0.0.3",
  });
  await using client = new UdpClient();
  const { from } = await roundTrip(client, proxy, "hi");
  deepStrictEqual([from.hostname, from.port], ["127.0.0.3", proxy.port]);
});

Deno.test("nat proxy: duplicates, and seeded drops and delays", async () => {
  await using server = new EchoServer();
  await using proxy = NatProxy.start({
    target: { hostname: "127.0.0.1", port: server.port },
    duplicate: true,
    delayMs: 20,
  });
  await using client = new UdpClient();
  await client.socket.send(encoder.encode("x"), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: proxy.port,
  });
  // One datagram, duplicated on the way there and each echo duplicated on the way back: four,
  // each waited for in full (a silence under load is not the end), and no fifth.
  for (let i = 0; i < 4; i++) ok((await client.receiveText()).endsWith(" x"));
  strictEqual(await client.receive(SILENCE_MS), null);

  await using lossy = NatProxy.start({
    target: { hostname: "127.0.0.1", port: server.port },
    dropRate: 0.5,
    seed: 7,
  });
  for (let i = 0; i < 40; i++) {
    await client.socket.send(encoder.encode(`${i}`), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: lossy.port,
    });
  }
  // Each of the 40 is dropped on the way there, or its echo dropped or forwarded on the way back.
  await waitFor(
    () => lossy.stats.toClient + lossy.stats.dropped === 40,
    "every datagram dropped or echoed through the proxy",
  );
  for (let i = 0; i < lossy.stats.toClient; i++) await client.receiveText();
  ok(lossy.stats.dropped > 10 && lossy.stats.dropped < 60, `dropped ${lossy.stats.dropped}`);
  const a = mulberry32(7);
  const b = mulberry32(7);
  deepStrictEqual([a(), a(), a()], [b(), b(), b()], "the same seed, the same sequence");
});

Deno.test("nat proxy: dropOnce drops the same datagram at most once each way", async () => {
  await using server = new EchoServer();
  await using proxy = NatProxy.start({
    target: { hostname: "127.0.0.1", port: server.port },
    dropRate: 1,
    dropOnce: true,
  });
  await using client = new UdpClient();
  // The first copy is dropped on the way there; of the two that pass, the first echo is dropped.
  for (let i = 0; i < 3; i++) {
    await client.socket.send(encoder.encode("again"), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: proxy.port,
    });
  }
  ok((await client.receiveText()).endsWith(" again"));
  strictEqual(await client.receive(SILENCE_MS), null);
  deepStrictEqual(proxy.stats, { toServer: 2, toClient: 1, dropped: 2, lostReplies: 0 });
});
