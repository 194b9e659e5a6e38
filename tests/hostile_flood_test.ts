/**
 * Flood control and the request rate, set with the `kaiwa serve` flags themselves: excess
 * messages are dropped and the sender told at most once per second (on the server's clock);
 * excess requests get status 8, per IP; 0 turns either off.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { parseServeArgs } from "../cli/serve_command.ts";
import { Command, type KaiwaEvent, NoticeCode, Operation, Status } from "../protocol/mod.ts";
import type { ServeOptions } from "../server/mod.ts";
import {
  enter,
  SILENCE_MS,
  startTestServer,
  tcrpRequest,
  tcrpStatusFrom,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom, ListRooms } = Operation;

/** Test options with `flags` applied the way `kaiwa serve` applies them. */
function withFlags(...flags: string[]): Partial<ServeOptions> {
  const parsed = parseServeArgs(flags);
  return {
    floodRate: parsed.floodRate,
    floodBurst: parsed.floodBurst,
    joinRate: parsed.joinRate,
    maxConnectionsPerIp: parsed.maxConnectionsPerIp,
  };
}

/** Reads events until `count` arrived; then checks nothing more comes. */
async function events(client: UdpClient, count: number): Promise<KaiwaEvent[]> {
  const seen: KaiwaEvent[] = [];
  while (seen.length < count) seen.push(await client.receiveEvent());
  strictEqual(await client.receive(SILENCE_MS), null);
  return seen;
}

Deno.test("--flood-rate 2 --flood-burst 3: a burst of 3, then 2 a second, notices once a second", async (t) => {
  await using test = await startTestServer(withFlags("--flood-rate", "2", "--flood-burst", "3"));
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann", { kaiwa: true });
  strictEqual((await ann.receiveEvent()).type, "members");
  await enter(test, bob, JoinRoom, "r", "bob");
  strictEqual((await ann.receiveEvent()).type, "joined");
  const { counters } = test.server.state;
  const chat = (text: string) =>
    ann.send(
      test.udp,
      "r",
      annToken,
      Uint8Array.of(Command.Chat, ...new TextEncoder().encode(text)),
    );
  const kinds = (seen: KaiwaEvent[]) =>
    seen.map((event) => event.type === "notice" ? `notice ${event.code}` : event.type);

  await t.step("10 at once: 3 relayed, 7 dropped, one notice", async () => {
    for (let i = 1; i <= 10; i++) await chat(`a${i}`);
    await waitFor(() => counters.flood === 7, "7 flood drops");
    deepStrictEqual(kinds(await events(ann, 4)), [
      "chat",
      "chat",
      "chat",
      `notice ${NoticeCode.RateLimited}`,
    ]);
    deepStrictEqual([await bob.receiveText(), await bob.receiveText(), await bob.receiveText()], [
      "ann: a1",
      "ann: a2",
      "ann: a3",
    ]);
  });
  await t.step(
    "half a second later: one more relayed, the excess dropped without a notice",
    async () => {
      test.clock.advance(500);
      await chat("b1");
      await chat("b2");
      await waitFor(() => counters.flood === 8, "1 more flood drop");
      deepStrictEqual(kinds(await events(ann, 1)), ["chat"]);
      strictEqual(await bob.receiveText(), "ann: b1");
    },
  );
  await t.step("a second after the first notice: the next excess is told again", async () => {
    test.clock.advance(500);
    await chat("c1");
    await chat("c2");
    await waitFor(() => counters.flood === 9, "1 more flood drop");
    deepStrictEqual(kinds(await events(ann, 2)), ["chat", `notice ${NoticeCode.RateLimited}`]);
    strictEqual(await bob.receiveText(), "ann: c1");
  });
  await t.step("a standard member's notice is a text line", async () => {
    const bobToken = test.server.state.rooms.get("r")?.members.get("bob")?.token ?? "";
    for (let i = 0; i < 5; i++) await bob.send(test.udp, "r", bobToken, `m${i}`);
    await waitFor(() => counters.flood === 11, "2 flood drops from bob");
    ok((await bob.receiveText()).startsWith("* slow down: at most 2 messages per second"));
    strictEqual(await bob.receive(SILENCE_MS), null);
  });
});

Deno.test("--flood-rate 0 relays everything", async () => {
  await using test = await startTestServer(withFlags("--flood-rate", "0"));
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob");
  strictEqual(await ann.receiveText(), "* bob joined");
  for (let i = 0; i < 100; i++) await ann.send(test.udp, "r", annToken, `m${i}`);
  for (let i = 0; i < 100; i++) strictEqual(await bob.receiveText(), `ann: m${i}`);
  strictEqual(test.server.state.counters.flood, 0);
  strictEqual(await ann.receive(SILENCE_MS), null);
});

Deno.test("--join-rate 3 limits requests per IP with status 8", async (t) => {
  await using test = await startTestServer(withFlags("--join-rate", "3"));
  const port = test.tcpPort;
  const { state } = test.server;

  await t.step("the fourth request in a second from 127.0.0.1 is refused", async () => {
    for (let i = 0; i < 3; i++) {
      strictEqual((await tcrpRequest(port, ListRooms, "", null)).status, Status.Ok);
    }
    strictEqual((await tcrpRequest(port, ListRooms, "", null)).status, Status.TooManyRequests);
  });
  await t.step("127.0.0.2 has a budget of its own", async () => {
    strictEqual(await tcrpStatusFrom("127.0.0.2", port, ListRooms, "", null), Status.Ok);
    strictEqual(state.trackedRequestIps, 2);
  });
  await t.step("a second later 127.0.0.1 is served again", async () => {
    test.clock.advance(1_000);
    strictEqual((await tcrpRequest(port, ListRooms, "", null)).status, Status.Ok);
  });
  await t.step("idle addresses are forgotten by the sweep", () => {
    test.clock.advance(1_000);
    state.sweep(test.clock.now());
    strictEqual(state.trackedRequestIps, 0);
  });
});

Deno.test("--join-rate 0 lets every request through and tracks no address", async () => {
  await using test = await startTestServer(withFlags("--join-rate", "0"));
  for (let i = 0; i < 60; i++) {
    strictEqual((await tcrpRequest(test.tcpPort, ListRooms, "", null)).status, Status.Ok);
  }
  strictEqual(test.server.state.trackedRequestIps, 0);
});

Deno.test("the flags' defaults are the documented limits", () => {
  const defaults: Partial<ServeOptions> = withFlags();
  deepStrictEqual(defaults, {
    floodRate: 5,
    floodBurst: 10,
    joinRate: 20,
    maxConnectionsPerIp: 32,
  });
});
