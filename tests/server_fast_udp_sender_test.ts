import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { BatchSendQueue } from "../server/fast_udp/batch_queue.ts";
import { MmsgReceiver, RECEIVE_SLOTS } from "../server/fast_udp/mmsg_receiver.ts";
import { BATCH_SLOTS, MmsgSender } from "../server/fast_udp/mmsg_sender.ts";
import { ipv4Word, packedSockaddr } from "../server/fast_udp/sockaddr.ts";
import { findUdpSocketFd } from "../server/fast_udp/socket_fd.ts";
import type { UdpAddress } from "../server/state/mod.ts";
import { fastSocket, ignoreFastUdp } from "./fast_udp_fixture.ts";
import { RECEIVE_TIMEOUT_MS, UdpClient } from "./server_helpers.ts";

const ignore = ignoreFastUdp;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Receivers for the over-one-batch test: each gets few enough datagrams for its buffer. */
const RECEIVERS = 16;

function addressOf(client: UdpClient): UdpAddress {
  return { transport: "udp", hostname: "127.0.0.1", port: client.port };
}

Deno.test("ipv4Word and packedSockaddr read dotted IPv4 only", async (t) => {
  await t.step("the word holds the octets in network order on a little-endian machine", () => {
    strictEqual(ipv4Word("127.0.0.1"), 0x0100007f);
    strictEqual(ipv4Word("255.255.255.255"), 0xffffffff);
    strictEqual(ipv4Word("0.0.0.0"), 0);
  });
  await t.step("anything else is null", () => {
    for (const text of ["::1", "256.0.0.1", "1.2.3", "localhost", "1.2.3.4.5"]) {
      strictEqual(ipv4Word(text), null, text);
    }
  });
  await t.step("a packed address keeps the port and is -1 for IPv6", () => {
    const packed = packedSockaddr({ transport: "udp", hostname: "10.0.0.2", port: 9001 });
    strictEqual(packed % 0x1_0000, 9001);
    strictEqual(Math.floor(packed / 0x1_0000), 0x0200000a);
    strictEqual(packedSockaddr({ transport: "udp", hostname: "::1", port: 9001 }), -1);
  });
});

Deno.test({
  name: "findUdpSocketFd finds the descriptor of a Deno datagram socket",
  ignore,
  fn() {
    using sending = fastSocket();
    ok(sending.fd !== null && sending.fd > 2);
    const port = (sending.socket.addr as Deno.NetAddr).port;
    const other = port === 65535 ? port - 1 : port + 1;
    strictEqual(
      findUdpSocketFd(sending.libc, { transport: "udp", hostname: "127.0.0.1", port: other }),
      null,
    );
  },
});

Deno.test({
  name: "MmsgSender sends more than one batch in order, from the socket's own port",
  ignore,
  async fn() {
    using sending = fastSocket();
    const clients = Array.from({ length: RECEIVERS }, () => new UdpClient());
    try {
      const outcomes: boolean[] = [];
      const sender = new MmsgSender(sending.libc, sending.fd!, (_member, delivered) => {
        outcomes.push(delivered);
      });
      const total = BATCH_SLOTS + RECEIVERS * 2;
      for (let i = 0; i < total; i++) {
        if (sender.full) ok(sender.flush());
        const payload = encoder.encode(`m${i}`);
        const offset = sender.stage(payload);
        sender.add(offset, payload.length, packedSockaddr(addressOf(clients[i % RECEIVERS])), null);
      }
      ok(sender.flush());
      strictEqual(sender.unsent, 0);
      deepStrictEqual(outcomes, new Array(total).fill(true));
      for (const [index, client] of clients.entries()) {
        const [bytes, from] = await client.socket.receive();
        strictEqual(decoder.decode(bytes), `m${index}`);
        strictEqual((from as Deno.NetAddr).port, (sending.socket.addr as Deno.NetAddr).port);
      }
      const last = clients[(total - 1) % RECEIVERS];
      let text = "";
      for (let i = 1; i < total / RECEIVERS; i++) text = await last.receiveText();
      strictEqual(text, `m${total - 1}`);
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
    }
  },
});

Deno.test({
  name: "BatchSendQueue reports a refused datagram as failed and still sends the rest",
  ignore,
  async fn() {
    using sending = fastSocket();
    await using ann = new UdpClient();
    await using bob = new UdpClient();
    const failed: number[] = [];
    const outbox = new BatchSendQueue(sending.libc, sending.fd!, (address) => {
      failed.push(address.port);
    });
    const bytes = encoder.encode("hello");
    outbox.push(bytes, addressOf(ann));
    // Port 0 cannot be sent to: sendmmsg stops there and the retry fails with EINVAL.
    outbox.push(bytes, { transport: "udp", hostname: "127.0.0.1", port: 0 });
    outbox.push(bytes, addressOf(bob));
    strictEqual(outbox.pending, 3);
    await outbox.drain(RECEIVE_TIMEOUT_MS);
    strictEqual(outbox.pending, 0);
    // Only failures are reported: the kernel taking a datagram is no proof of delivery.
    deepStrictEqual(failed, [0]);
    strictEqual(await ann.receiveText(), "hello");
    strictEqual(await bob.receiveText(), "hello");
    await outbox.close();
    outbox.push(bytes, addressOf(ann));
    strictEqual(outbox.pending, 0);
  },
});

Deno.test({
  name: "MmsgReceiver takes what waits, a batch at a time, with each sender's address",
  ignore,
  async fn() {
    using receiving = fastSocket();
    await using ann = new UdpClient();
    const to = receiving.socket.addr as Deno.NetAddr;
    const slotSize = 100;
    const receiver = new MmsgReceiver(receiving.libc, receiving.fd!, slotSize);
    const taken: string[] = [];
    const handle = (bytes: Uint8Array, hostname: string, port: number) => {
      strictEqual(hostname, "127.0.0.1");
      strictEqual(port, ann.port);
      taken.push(bytes.length > 10 ? `${bytes.length} bytes` : decoder.decode(bytes));
    };
    strictEqual(receiver.receive(handle), 0);
    const total = RECEIVE_SLOTS + 5;
    for (let i = 0; i < total; i++) await ann.sendRaw(encoder.encode(`d${i}`), to);
    await ann.sendRaw(new Uint8Array(slotSize * 2), to);
    strictEqual(receiver.receive(handle), RECEIVE_SLOTS);
    strictEqual(receiver.receive(handle), total + 1 - RECEIVE_SLOTS);
    strictEqual(receiver.receive(handle), 0);
    deepStrictEqual(taken, [
      ...Array.from({ length: total }, (_, i) => `d${i}`),
      `${slotSize} bytes`,
    ]);
  },
});
