import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  encodeStage1Datagram,
  MAX_DATAGRAM_SIZE,
  neutralizeStage1Datagram,
} from "../protocol/mod.ts";
import {
  LOBBY_REFLECTION_FACTOR,
  LobbyClients,
  MAX_LOBBY_CLIENTS_PER_NETWORK,
  networkOf,
} from "../server/state/lobby_clients.ts";
import { SILENCE_MS, startTestServer, UdpClient, waitFor } from "./server_helpers.ts";

const SPOOFED_SOURCES = 100;
/** A datagram as large as Stage 1 allows: "a" and 4,094 bytes of message. */
const LARGEST = encodeStage1Datagram("a", "x".repeat(MAX_DATAGRAM_SIZE - 2));

/** Everything `client` receives until it has been silent for a while, in bytes and datagrams. */
async function drain(client: UdpClient): Promise<{ bytes: number; datagrams: Uint8Array[] }> {
  const datagrams: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const datagram = await client.receive(SILENCE_MS);
    if (datagram === null) return { bytes, datagrams };
    datagrams.push(datagram);
    bytes += datagram.length;
  }
}

Deno.test("the lobby sends no address more than 3x the bytes it received from it", async (t) => {
  await using test = await startTestServer({ lobbyPort: 0 });
  const lobby = test.server.lobby;
  const lobbyAddr = test.server.lobbyAddr;
  ok(lobby && lobbyAddr);
  // The victim's address spoke once (an attacker can spoof that much), 3,000 bytes.
  await using victim = new UdpClient("127.0.0.200");
  const victimSent = encodeStage1Datagram("v", "y".repeat(2_998));
  await victim.sendRaw(victimSent, lobbyAddr);
  await waitFor(() => lobby.clients === 1, "the victim known");
  const sources: UdpClient[] = [];
  try {
    for (let i = 0; i < SPOOFED_SOURCES; i++) sources.push(new UdpClient(`127.0.0.${i + 2}`));
    await t.step(
      "100 sources each sending 4 KiB reach the victim at most 3x its bytes",
      async () => {
        for (const [i, source] of sources.entries()) {
          // One at a time: a burst of 4 KiB datagrams would overflow the socket's buffer.
          await source.sendRaw(LARGEST, lobbyAddr);
          await waitFor(() => lobby.clients === i + 2, `source ${i} known`);
        }
        const received = await drain(victim);
        ok(
          received.bytes <= LOBBY_REFLECTION_FACTOR * victimSent.length,
          `${received.bytes} bytes`,
        );
        // Its credit covered two of them: the bound is a budget, not a ban.
        strictEqual(received.datagrams.length, 2);
        ok(lobby.throttled >= SPOOFED_SOURCES - 2);
      },
    );
    await t.step("a source hears at most 3x its own bytes too", async () => {
      const received = await drain(sources[0]);
      ok(received.bytes <= LOBBY_REFLECTION_FACTOR * LARGEST.length, `${received.bytes} bytes`);
    });
  } finally {
    for (const source of sources) await source[Symbol.asyncDispose]();
  }
});

Deno.test("lobby clients that talk hear each other, their text neutralised", async (t) => {
  await using test = await startTestServer({ lobbyPort: 0 });
  const lobby = test.server.lobby;
  const lobbyAddr = test.server.lobbyAddr;
  ok(lobby && lobbyAddr);
  await using ann = new UdpClient();
  await using bob = new UdpClient("127.0.0.3");
  await ann.sendRaw(encodeStage1Datagram("ann", "hello"), lobbyAddr);
  await waitFor(() => lobby.clients === 1, "ann known");

  await t.step("a conversation of like-sized lines goes through whole", async () => {
    for (let i = 0; i < 20; i++) {
      const fromBob = encodeStage1Datagram("bob", `line ${i} from bob`);
      await bob.sendRaw(fromBob, lobbyAddr);
      deepStrictEqual(await ann.receive(), fromBob);
      const fromAnn = encodeStage1Datagram("ann", `line ${i} from ann`);
      await ann.sendRaw(fromAnn, lobbyAddr);
      deepStrictEqual(await bob.receive(), fromAnn);
    }
    strictEqual(lobby.throttled, 0);
  });
  await t.step("CR, LF and ESC reach the others as U+FFFD", async () => {
    await bob.sendRaw(
      encodeStage1Datagram("bob", "hi\r\nann: forged\x1b]52;c;eA==\x07"),
      lobbyAddr,
    );
    deepStrictEqual(
      await ann.receive(),
      encodeStage1Datagram("bob", "hi\uFFFD\uFFFDann: forged\uFFFD]52;c;eA==\uFFFD"),
    );
  });
  await t.step("a username with controls is neutralised as well", async () => {
    await bob.sendRaw(encodeStage1Datagram("b\x1bob", "x"), lobbyAddr);
    deepStrictEqual(await ann.receive(), encodeStage1Datagram("b\uFFFDob", "x"));
  });
});

Deno.test("the lobby takes at most 16 clients from one address", async () => {
  await using test = await startTestServer({ lobbyPort: 0 });
  const lobby = test.server.lobby;
  const lobbyAddr = test.server.lobbyAddr;
  ok(lobby && lobbyAddr);
  const clients: UdpClient[] = [];
  try {
    for (let i = 0; i <= MAX_LOBBY_CLIENTS_PER_NETWORK; i++) {
      const client = new UdpClient("127.0.0.9");
      clients.push(client);
      await client.sendRaw(encodeStage1Datagram("c", `${i}`), lobbyAddr);
    }
    await waitFor(() => lobby.dropped === 1, "the 17th refused");
    strictEqual(lobby.clients, MAX_LOBBY_CLIENTS_PER_NETWORK);
  } finally {
    for (const client of clients) await client[Symbol.asyncDispose]();
  }
});

Deno.test("LobbyClients spends each client's credit and caps clients per network", async (t) => {
  await t.step("a relay is yielded only while the recipient's credit covers it", () => {
    const lobby = new LobbyClients(10);
    const a = lobby.heard("10.0.0.1", 1, 0, 10);
    const b = lobby.heard("10.0.0.2", 1, 0, 100);
    ok(a && b);
    deepStrictEqual([...lobby.recipients(b, 20)], [a]);
    deepStrictEqual([...lobby.recipients(b, 20)], [], "10 bytes of credit left");
    strictEqual(lobby.throttled, 1);
    lobby.heard("10.0.0.1", 1, 0, 4);
    deepStrictEqual([...lobby.recipients(b, 20)], [a]);
  });
  await t.step("a network holds at most 16 clients until one is forgotten", () => {
    const lobby = new LobbyClients(10);
    for (let port = 0; port < MAX_LOBBY_CLIENTS_PER_NETWORK; port++) {
      ok(lobby.heard("2001:db8:0:1::5", port, 0) !== null);
    }
    strictEqual(lobby.heard("2001:db8:0:1:ffff::9", 1, 5_000), null, "the same /64");
    ok(lobby.heard("2001:db8:0:2::5", 1, 5_000) !== null, "another /64");
    lobby.sweep(10_001);
    ok(lobby.heard("2001:db8:0:1:ffff::9", 1, 10_001) !== null);
  });
  await t.step("networkOf keys IPv4 by address and IPv6 by /64", () => {
    strictEqual(networkOf("192.0.2.7"), "192.0.2.7");
    strictEqual(networkOf("2001:db8::1"), "2001:db8:0:0::/64");
    strictEqual(networkOf("2001:0db8:0:0:1::"), "2001:db8:0:0::/64");
    strictEqual(networkOf("fe80::1%eth0"), "fe80:0:0:0::/64");
    strictEqual(networkOf("::ffff:192.0.2.7"), "192.0.2.7");
  });
});

Deno.test("neutralizeStage1Datagram returns the datagram itself when it is already safe", () => {
  const safe = encodeStage1Datagram("ann", "hello");
  strictEqual(neutralizeStage1Datagram(safe), safe);
  // 4,094 LFs would become 12,282 bytes: too long for a Stage 1 datagram.
  strictEqual(neutralizeStage1Datagram(encodeStage1Datagram("a", "\n".repeat(4_094))), null);
  strictEqual(neutralizeStage1Datagram(encodeStage1Datagram("\u200e", "x")), null);
});
