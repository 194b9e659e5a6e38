/**
 * Sessions on the server (docs/protocol.md §7): granted on secure connections only (here through
 * the test-only `plainSessions`), sealed both ways, forgeries and replays dropped and never
 * answered, roaming across IP and port with the per-source counts following.
 */

import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  decodeEvent,
  encodeCommand,
  Operation,
  type SessionGrant,
  Status,
} from "../protocol/mod.ts";
import { SealedChannel } from "../protocol/sealing.ts";
import {
  enter,
  roomRequest,
  SILENCE_MS,
  startTestServer,
  tcrpRequest,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

/** A kaiwa client with a session, over its own UDP socket. */
class SealedClient {
  constructor(
    readonly udp: UdpClient,
    readonly channel: SealedChannel,
    readonly token: string,
    readonly grant: SessionGrant,
  ) {}

  send(test: TestServer, command: Parameters<typeof encodeCommand>[0]): Promise<void> {
    return this.udp.sendRaw(this.channel.seal(encodeCommand(command)), test.udp);
  }

  /** The next event, opened; throws when none arrives or it does not open. */
  async event() {
    const bytes = await this.udp.receive();
    if (bytes === null) throw new Error("No datagram arrived");
    const plain = this.channel.open(bytes);
    if (typeof plain === "string") throw new Error(`Event refused: ${plain}`);
    return decodeEvent(plain);
  }
}

async function enterSealed(
  test: TestServer,
  operation: number,
  room: string,
  name: string,
  udp = new UdpClient(),
  resume?: string,
): Promise<SealedClient> {
  const request = { ...roomRequest(name, { kaiwa: true }), session: true, resume };
  const answer = await tcrpRequest(test.tcpPort, operation, room, request);
  strictEqual(answer.status, Status.Ok);
  ok(answer.session, "a session was granted");
  const client = new SealedClient(
    udp,
    SealedChannel.forClient(answer.session),
    answer.token!,
    answer.session,
  );
  await client.send(test, { type: "keepalive" });
  await waitFor(() => test.server.state.memberByToken(answer.token!)?.addressSeen === true, name);
  test.server.state.flushJoins(test.clock.now());
  return client;
}

Deno.test("session: refused with an empty Session frame on a plain connection", async () => {
  await using test = await startTestServer();
  const request = { ...roomRequest("ann", { kaiwa: true }), session: true };
  const answer = await tcrpRequest(test.tcpPort, Operation.CreateRoom, "r", request);
  strictEqual(answer.status, Status.Ok);
  strictEqual(answer.session, null);
  strictEqual(test.server.state.sessionCount, 0);
  // The member chats as any plain kaiwa member.
  await using udp = new UdpClient();
  await udp.send(test.udp, "r", answer.token!, encodeCommand({ type: "ping" }));
  deepStrictEqual((await udp.receiveEvent()).type, "members");
});

Deno.test("session: a sealed kaiwa member and a standard member chat in one room", async () => {
  await using test = await startTestServer({}, { plainSessions: true });
  await using hostUdp = new UdpClient();
  const host = await enterSealed(test, Operation.CreateRoom, "mixed", "ann", hostUdp);
  strictEqual((await host.event()).type, "members");
  await using standard = new UdpClient();
  const token = await enter(test, standard, Operation.JoinRoom, "mixed", "bo");
  strictEqual((await host.event()).type, "joined");
  await host.send(test, { type: "chat", text: "secret words" });
  strictEqual(await standard.receiveText(), "ann: secret words");
  const echo = await host.event();
  strictEqual(echo.type === "chat" && echo.text, "secret words");
  await standard.send(test.udp, "mixed", token, "hello ann");
  const chat = await host.event();
  deepStrictEqual(chat.type === "chat" && [chat.sender, chat.text], ["bo", "hello ann"]);
});

Deno.test("session: forged, replayed, unknown and unsealed datagrams are dropped, never answered", async () => {
  await using test = await startTestServer({}, { plainSessions: true });
  await using udp = new UdpClient();
  const ann = await enterSealed(test, Operation.CreateRoom, "safe", "ann", udp);
  await ann.event(); // members
  const counters = test.server.state.counters;
  const ping = ann.channel.seal(encodeCommand({ type: "ping" }));
  await udp.sendRaw(ping, test.udp);
  strictEqual((await ann.event()).type, "pong");
  // The same datagram again, from the same and from another socket: a replay.
  await udp.sendRaw(ping, test.udp);
  await using other = new UdpClient("127.0.0.2");
  await other.sendRaw(ping, test.udp);
  // Every byte flipped in turn: forged (or another session, or malformed).
  const fresh = ann.channel.seal(encodeCommand({ type: "ping" }));
  for (let i = 0; i < fresh.length; i++) {
    const tampered = fresh.slice();
    tampered[i] ^= 0x40;
    await other.sendRaw(tampered, test.udp);
  }
  // A plain datagram with the member's token: it must seal.
  await other.send(test.udp, "safe", ann.token, encodeCommand({ type: "ping" }));
  await udp.send(test.udp, "safe", ann.token, encodeCommand({ type: "ping" }));
  await waitFor(() => counters.unsealed === 2, "unsealed drops");
  strictEqual(counters.replay, 2);
  // The marker and the counter's top 11 bits (bytes 5 and 6 here) make it malformed, the id
  // another session; every other byte fails the tag.
  strictEqual(counters.malformed, 3);
  strictEqual(counters.unknownSession, 4);
  strictEqual(counters.forged, fresh.length - 7);
  strictEqual(await udp.receive(SILENCE_MS), null);
  strictEqual(await other.receive(SILENCE_MS), null);
  // Nothing moved: the member is still bound where it was.
  strictEqual(test.server.state.memberByToken(ann.token)?.address?.port, udp.port);
});

Deno.test("session: roaming to another IP and port re-binds at once; per-source counts follow", async () => {
  await using test = await startTestServer({ maxMembersPerIp: 1 }, { plainSessions: true });
  await using first = new UdpClient();
  const ann = await enterSealed(test, Operation.CreateRoom, "roam", "ann", first);
  await ann.event(); // members
  // 127.0.0.1 holds its one member: another join from it is refused.
  const refused = await tcrpRequest(test.tcpPort, Operation.JoinRoom, "roam", roomRequest("bo"));
  strictEqual(refused.status, Status.TooManyRequests);
  // The client moves to 127.0.0.2 and another port; its very next datagram re-binds it.
  await using moved = new UdpClient("127.0.0.2");
  notStrictEqual(moved.port, first.port);
  await moved.sendRaw(
    ann.channel.seal(encodeCommand({ type: "chat", text: "from afar" })),
    test.udp,
  );
  const member = test.server.state.memberByToken(ann.token)!;
  await waitFor(() => member.address?.hostname === "127.0.0.2", "re-bound");
  strictEqual(member.address?.port, moved.port);
  strictEqual(member.ip, "127.0.0.2");
  const roamed = new SealedClient(moved, ann.channel, ann.token, ann.grant);
  strictEqual((await roamed.event()).type, "members");
  const echo = await roamed.event();
  strictEqual(echo.type === "chat" && echo.text, "from afar");
  strictEqual(await first.receive(SILENCE_MS), null);
  // Its member count moved with it: 127.0.0.1 has room for one again.
  const joined = await tcrpRequest(test.tcpPort, Operation.JoinRoom, "roam", roomRequest("bo"));
  strictEqual(joined.status, Status.Ok);
  strictEqual(test.server.state.counters.wrongAddress, 0);
});

Deno.test("session: a resume gets a fresh session; the old one stops working", async () => {
  await using test = await startTestServer({}, { plainSessions: true });
  await using udp = new UdpClient();
  const host = await enterSealed(test, Operation.CreateRoom, "back", "ann");
  await using guestUdp = new UdpClient();
  const guest = await enterSealed(test, Operation.JoinRoom, "back", "bo", guestUdp);
  const again = await enterSealed(test, Operation.JoinRoom, "back", "bo", udp, guest.token);
  strictEqual(again.token, guest.token);
  notStrictEqual(again.grant.id, guest.grant.id);
  strictEqual(test.server.state.sessionCount, 2);
  await guestUdp.sendRaw(guest.channel.seal(encodeCommand({ type: "ping" })), test.udp);
  await waitFor(() => test.server.state.counters.unknownSession === 1, "old session refused");
  await host.udp[Symbol.asyncDispose]();
});

Deno.test("session: history, NACK answers and confirmations are sealed like every event", async () => {
  await using test = await startTestServer({ history: 2 }, { plainSessions: true });
  await using annUdp = new UdpClient();
  const ann = await enterSealed(test, Operation.CreateRoom, "r", "ann", annUdp);
  strictEqual((await ann.event()).type, "members");
  for (const [id, text] of [[1, "one"], [2, "two"], [3, "three"]] as const) {
    await ann.send(test, { type: "chat", id, text });
    strictEqual((await ann.event()).type, "chat");
  }
  await ann.send(test, { type: "chat", id: 3, text: "three" });
  const confirmation = await ann.event();
  deepStrictEqual(confirmation.type === "chat" && [confirmation.seq, confirmation.text], [
    3,
    "three",
  ]);
  await ann.send(test, { type: "nack", from: 1, to: 1 });
  const again = await ann.event();
  deepStrictEqual(again.type === "chat" && [again.seq, again.text], [1, "one"]);
  await using bobUdp = new UdpClient();
  const bob = await enterSealed(test, Operation.JoinRoom, "r", "bob", bobUdp);
  strictEqual((await bob.event()).type, "members");
  const history = [await bob.event(), await bob.event()];
  deepStrictEqual(
    history.map((event) => event.type === "chat" && [event.seq, event.text, event.history]),
    [[2, "two", true], [3, "three", true]],
  );
});
