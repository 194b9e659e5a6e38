import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  CloseReason,
  Command,
  LeaveReason,
  NoticeCode,
  PingFlag,
  RemoveReason,
  Status,
} from "../protocol/constants.ts";
import { encodeClientDatagram } from "../protocol/datagram.ts";
import type { PasswordHash } from "../server/password.ts";
import {
  LobbyClients,
  randomToken,
  TokenBucket,
  tokenPrefix,
  UNREACHABLE_SILENCE_MS,
} from "../server/state/mod.ts";
import { admitted, encoder, IP, PORT, request, send, setup } from "./state_fixture.ts";

Deno.test("ServerState admits members by the room rules", async (t) => {
  await t.step("create makes the creator host; a second create is RoomExists", () => {
    const { state } = setup();
    const host = admitted(state.createRoom(request("r", "ann"), null, 0));
    ok(host.isHost);
    strictEqual(state.createRoom(request("r", "bob"), null, 0).status, Status.RoomExists);
    deepStrictEqual(state.listRooms(), [{ name: "r", members: 1, password: false }]);
  });
  await t.step("maxRooms reached is ServerFull", () => {
    const { state } = setup({ maxRooms: 1 });
    admitted(state.createRoom(request("a", "ann"), null, 0));
    strictEqual(state.createRoom(request("b", "ann"), null, 0).status, Status.ServerFull);
  });
  await t.step("join checks existence, password, name and capacity in that order", () => {
    const { state } = setup({ maxRoomMembers: 2 });
    const hash: PasswordHash = { salt: new Uint8Array(1), key: new Uint8Array(1) };
    strictEqual(state.joinRoom(request("r", "bob"), null, 0).status, Status.RoomNotFound);
    admitted(state.createRoom(request("r", "ann"), hash, 0));
    strictEqual(state.passwordOf("r"), hash);
    strictEqual(state.passwordOf("nope"), undefined);
    strictEqual(state.joinRoom(request("r", "bob"), null, 0).status, Status.WrongPassword);
    const other: PasswordHash = { salt: new Uint8Array(1), key: new Uint8Array(1) };
    strictEqual(state.joinRoom(request("r", "bob"), other, 0).status, Status.WrongPassword);
    strictEqual(state.joinRoom(request("r", "ann"), hash, 0).status, Status.NameTaken);
    admitted(state.joinRoom(request("r", "bob"), hash, 0));
    strictEqual(state.joinRoom(request("r", "cid"), hash, 0).status, Status.RoomFull);
    deepStrictEqual(state.listRooms(), [{ name: "r", members: 2, password: true }]);
  });
  await t.step("a colliding token is drawn again; a generator that always collides throws", () => {
    const draws = ["same", "same", "other"];
    const { state } = setup({}, () => draws.shift() ?? "same");
    strictEqual(admitted(state.createRoom(request("r", "ann"), null, 0)).token, "same");
    strictEqual(admitted(state.joinRoom(request("r", "bob"), null, 0)).token, "other");
    throws(() => state.joinRoom(request("r", "cid"), null, 0), /Cannot issue a token/);
  });
  await t.step("the per-IP request limit refills with time and is off at 0", () => {
    const { state } = setup({ joinRate: 2 });
    ok(state.allowRequest(IP, 0));
    ok(state.allowRequest(IP, 0));
    ok(!state.allowRequest(IP, 0));
    ok(state.allowRequest("10.0.0.2", 0));
    ok(state.allowRequest(IP, 500));
    const off = setup({ joinRate: 0 }).state;
    for (let i = 0; i < 100; i++) ok(off.allowRequest(IP, 0));
  });
});

Deno.test("ServerState announces joins together", async (t) => {
  await t.step("joins are coalesced per room until flushJoins", () => {
    const { state, notifier } = setup();
    admitted(state.createRoom(request("r", "ann"), null, 0));
    admitted(state.joinRoom(request("r", "bob"), null, 0));
    admitted(state.joinRoom(request("r", "cid"), null, 0));
    deepStrictEqual(notifier.take(), []);
    state.flushJoins(0);
    // The creator's arrival is not announced: there was nobody to tell.
    deepStrictEqual(notifier.take(), [["joined", "r", ["bob", "cid"]]]);
    state.flushJoins(0);
    deepStrictEqual(notifier.take(), []);
  });
  await t.step("a member leaving before the flush is neither announced joined nor left", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    state.flushJoins(0);
    notifier.take();
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    send(state, bob, "/exit");
    state.flushJoins(0);
    deepStrictEqual(notifier.take(), []);
    ok(ann.active);
    ok(!bob.active);
  });
});

Deno.test("ServerState.receive() authenticates every datagram", async (t) => {
  await t.step("unknown token, wrong room and wrong IP are dropped and counted", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    admitted(state.createRoom(request("s", "bob"), null, 0));
    state.receive(
      encodeClientDatagram(encoder.encode("r"), encoder.encode("nope"), encoder.encode("hi")),
      IP,
      PORT,
      0,
    );
    state.receive(
      encodeClientDatagram(encoder.encode("s"), encoder.encode(ann.token), encoder.encode("hi")),
      IP,
      PORT,
      0,
    );
    send(state, ann, "hi", { ip: "10.9.9.9" });
    state.receive(Uint8Array.of(1), IP, PORT, 0);
    state.receive(new Uint8Array(4097).fill(1), IP, PORT, 0);
    strictEqual(state.counters.unknownToken, 1);
    strictEqual(state.counters.wrongRoom, 1);
    strictEqual(state.counters.wrongAddress, 1);
    strictEqual(state.counters.malformed, 1);
    strictEqual(state.counters.oversize, 1);
    strictEqual(state.counters.total, 5);
    strictEqual(ann.address, null);
    deepStrictEqual(notifier.take(), []);
  });
  await t.step("the first valid datagram binds the port; another port is then dropped", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    admitted(state.joinRoom(request("r", "bob"), null, 0));
    send(state, ann, "one", { port: 7000 });
    deepStrictEqual(ann.address, { transport: "udp", hostname: IP, port: 7000 });
    send(state, ann, "two", { port: 7001 });
    strictEqual(state.counters.wrongAddress, 1);
    // The relay announces the pending arrivals before the first chat message.
    deepStrictEqual(notifier.take(), [["joined", "r", ["bob"]], [
      "chat",
      "r",
      "ann",
      1,
      "one",
    ]]);
  });
  await t.step("an announced port is a hint until the first datagram binds the real port", () => {
    const { state } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    state.announcePort(ann, 6000, 0);
    state.announcePort(ann, 6001, 0);
    strictEqual(ann.address?.port, 6000);
    send(state, ann, "x", { port: 7000 });
    strictEqual(ann.address?.port, 7000);
    send(state, ann, "y", { port: 6000 });
    strictEqual(state.counters.wrongAddress, 1);
  });
});

Deno.test("ServerState.receive() runs a standard member's text", async (t) => {
  await t.step("chat gets per-room sequence numbers; keep-alive refreshes only", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    send(state, ann, "hello", { now: 10 });
    send(state, ann, "", { now: 20 });
    send(state, ann, "again", { now: 30 });
    strictEqual(ann.lastActive, 30);
    deepStrictEqual(notifier.take(), [["chat", "r", "ann", 1, "hello"], [
      "chat",
      "r",
      "ann",
      2,
      "again",
    ]]);
  });
  await t.step("invalid UTF-8 is dropped and counted", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    send(state, ann, Uint8Array.of(0xff, 0xfe));
    strictEqual(state.counters.invalidText, 1);
    deepStrictEqual(notifier.take(), []);
  });
  await t.step("/exit leaves and is announced to the others", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    state.flushJoins(0);
    notifier.take();
    send(state, bob, "/exit\n");
    deepStrictEqual(notifier.take(), [["left", "r", ["bob"], LeaveReason.Left]]);
    strictEqual(state.memberByToken(bob.token), undefined);
    ok(ann.active);
  });
  await t.step("the host leaving closes the room and its tokens stop working", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    send(state, ann, "/exit");
    deepStrictEqual(notifier.take(), [["roomClosed", "r", CloseReason.HostLeft, "ann"]]);
    strictEqual(state.rooms.size, 0);
    send(state, bob, "still here?");
    strictEqual(state.counters.unknownToken, 1);
    deepStrictEqual(notifier.take(), []);
  });
});

Deno.test("ServerState.receive() runs a kaiwa member's commands", async (t) => {
  const { state, notifier } = setup();
  const ann = admitted(state.createRoom(request("r", "ann", true), null, 0));
  await t.step("binding the address (here by the first datagram) brings the member list", () => {
    send(state, ann, new Uint8Array(0));
    deepStrictEqual(notifier.take(), [["members", "ann"]]);
    send(state, ann, new Uint8Array(0));
    deepStrictEqual(notifier.take(), []);
  });
  await t.step("a ping asking for it before any chat is answered with latest seq 0", () => {
    send(state, ann, Uint8Array.of(Command.Ping, PingFlag.Latest));
    deepStrictEqual(notifier.take(), [["pong", "ann", 0]]);
  });
  await t.step("a ping without the flag (a client from before it) gets no latest seq", () => {
    send(state, ann, Uint8Array.of(Command.Ping));
    send(state, ann, Uint8Array.of(Command.Ping, 0x00));
    deepStrictEqual(notifier.take(), [["pong", "ann", undefined], ["pong", "ann", undefined]]);
  });
  await t.step("chat, who and ping", () => {
    send(state, ann, Uint8Array.of(Command.Chat, 0x68, 0x69));
    send(state, ann, Uint8Array.of(Command.Chat));
    send(state, ann, Uint8Array.of(Command.Who));
    send(state, ann, Uint8Array.of(Command.Ping, PingFlag.Latest));
    deepStrictEqual(notifier.take(), [["chat", "r", "ann", 1, "hi"], [
      "members",
      "ann",
    ], [
      "pong",
      "ann",
      1,
    ]]);
  });
  await t.step("unknown commands and invalid text get a notice", () => {
    send(state, ann, Uint8Array.of(0x7f));
    send(state, ann, Uint8Array.of(Command.Chat, 0xff));
    deepStrictEqual(notifier.take(), [
      ["notice", "ann", NoticeCode.UnknownCommand],
      ["notice", "ann", NoticeCode.InvalidText],
    ]);
    strictEqual(state.counters.invalidText, 2);
  });
  await t.step("leave from the host closes the room", () => {
    send(state, ann, Uint8Array.of(Command.Leave));
    deepStrictEqual(notifier.take(), [["roomClosed", "r", CloseReason.HostLeft, "ann"]]);
  });
});

Deno.test("ServerState.sweep removes silent members", async (t) => {
  await t.step("a silent member is removed and the others told it timed out", () => {
    const { state, notifier } = setup({ timeoutSeconds: 10 });
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    admitted(state.joinRoom(request("r", "bob"), null, 0));
    state.flushJoins(0);
    notifier.take();
    send(state, ann, "", { now: 8_000 });
    // Bound only now, ann is told of the arrival announced while it had no address.
    deepStrictEqual(notifier.take(), [["missedArrivals", "ann", ["bob"]]]);
    state.sweep(10_000);
    deepStrictEqual(notifier.take(), []);
    state.sweep(10_001);
    deepStrictEqual(notifier.take(), [
      ["removed", "bob", RemoveReason.Inactivity],
      ["left", "r", ["bob"], LeaveReason.TimedOut],
    ]);
  });
  await t.step("a silent host closes its room", () => {
    const { state, notifier } = setup({ timeoutSeconds: 10 });
    admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    send(state, bob, "", { now: 9_000 });
    state.sweep(10_001);
    deepStrictEqual(notifier.take(), [
      ["removed", "ann", RemoveReason.Inactivity],
      ["roomClosed", "r", CloseReason.HostTimedOut, "ann"],
    ]);
    strictEqual(state.rooms.size, 0);
    strictEqual(state.memberCount, 0);
  });
});

Deno.test("ServerState limits floods and failing deliveries", async (t) => {
  await t.step("messages over the flood limit are dropped with one notice per second", () => {
    const { state, notifier } = setup({ floodRate: 1, floodBurst: 2 });
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    for (const text of ["a", "b", "c", "d"]) send(state, ann, text, { now: 0 });
    send(state, ann, "e", { now: 1_000 });
    send(state, ann, "f", { now: 1_000 });
    deepStrictEqual(notifier.take(), [
      ["chat", "r", "ann", 1, "a"],
      ["chat", "r", "ann", 2, "b"],
      ["notice", "ann", NoticeCode.RateLimited],
      ["chat", "r", "ann", 3, "e"],
      ["notice", "ann", NoticeCode.RateLimited],
    ]);
    strictEqual(state.counters.flood, 3);
  });
  await t.step("three failed deliveries to a silent kaiwa member remove it as unreachable", () => {
    const { state, notifier } = setup();
    admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob", true), null, 0));
    send(state, bob, "", { now: 0 });
    state.flushJoins(0);
    notifier.take();
    const silent = UNREACHABLE_SILENCE_MS;
    state.deliveryFailed(bob, silent);
    state.deliveryFailed(bob, silent);
    // A valid datagram from bob since the last failure proves it there: the count restarts.
    send(state, bob, "", { now: 1 });
    state.deliveryFailed(bob, silent + 1);
    state.deliveryFailed(bob, silent + 1);
    ok(bob.active);
    state.deliveryFailed(bob, silent + 1);
    ok(!bob.active);
    deepStrictEqual(notifier.take(), [["left", "r", ["bob"], LeaveReason.Unreachable]]);
  });
  await t.step("shutdown tells every room and forgets every token", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    admitted(state.createRoom(request("s", "bob"), null, 0));
    state.shutdown(0);
    deepStrictEqual(notifier.take(), [["shutdown", "r"], ["shutdown", "s"]]);
    strictEqual(state.memberByToken(ann.token), undefined);
    ok(!ann.active);
  });
});

Deno.test("state helpers", async (t) => {
  await t.step("TokenBucket allows a burst then the rate", () => {
    const bucket = new TokenBucket(2, 3, 0);
    deepStrictEqual([0, 0, 0, 0].map((now) => bucket.take(now)), [true, true, true, false]);
    ok(bucket.take(500));
    ok(!bucket.take(500));
    ok(!bucket.isFull(500));
    ok(bucket.isFull(2_000));
    throws(() => new TokenBucket(0, 1, 0), RangeError);
  });
  await t.step("randomToken gives 22 distinct base64url characters; logs see 4", () => {
    const a = randomToken();
    ok(/^[A-Za-z0-9_-]{22}$/.test(a), a);
    ok(a !== randomToken());
    strictEqual(tokenPrefix(a), `${a.slice(0, 4)}…`);
  });
  await t.step("LobbyClients keeps one address per client and forgets the silent", () => {
    const lobby = new LobbyClients(10);
    const a = lobby.heard("10.0.0.1", 1, 0);
    strictEqual(lobby.heard("10.0.0.1", 1, 5_000), a);
    const b = lobby.heard("10.0.0.1", 2, 0);
    ok(a !== null && b !== null);
    deepStrictEqual([...lobby.others(a)], [b]);
    lobby.sweep(10_001);
    strictEqual(lobby.size, 1);
    deepStrictEqual([...lobby.others(b)], [a]);
  });
  await t.step("LobbyClients remembers no new client once full, until one is forgotten", () => {
    const lobby = new LobbyClients(10, 2);
    const a = lobby.heard("10.0.0.1", 1, 0);
    ok(lobby.heard("10.0.0.2", 1, 5_000) !== null);
    strictEqual(lobby.heard("10.0.0.3", 1, 5_000), null);
    strictEqual(lobby.heard("10.0.0.1", 1, 5_000), a);
    strictEqual(lobby.size, 2);
    lobby.sweep(15_001);
    ok(lobby.heard("10.0.0.3", 1, 15_001) !== null);
    strictEqual(lobby.size, 1);
  });
});
