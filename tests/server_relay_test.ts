import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  CloseReason,
  Command,
  decodeEvent,
  EVENT_HEADER_SIZE,
  LeaveReason,
  MAX_DATAGRAM_SIZE,
  NoticeCode,
  Operation,
  PingFlag,
} from "../protocol/mod.ts";
import { enter, SILENCE_MS, startTestServer, UdpClient, waitFor } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const NO_TIME = 0;
/** Events with their time zeroed: the fake clock's value is not what these tests check. */
const timeless = <T extends { time: number }>(event: T): T => ({ ...event, time: NO_TIME });

Deno.test("relay between standard and kaiwa members", async (t) => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cat = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann", { announce: true });
  let bobToken = "";
  let catToken = "";

  await t.step("joins are announced to the members already there", async () => {
    bobToken = await enter(test, bob, JoinRoom, "r", "bob");
    strictEqual(await ann.receiveText(), "* bob joined");
    catToken = await enter(test, cat, JoinRoom, "r", "cat", { kaiwa: true });
    deepStrictEqual(timeless(await cat.receiveEvent()), {
      type: "members",
      time: NO_TIME,
      members: [
        { name: "ann", host: true, you: false },
        { name: "bob", host: false, you: false },
        { name: "cat", host: false, you: true },
      ],
    });
    strictEqual(await ann.receiveText(), "* cat joined");
    strictEqual(await bob.receiveText(), "* cat joined");
  });
  await t.step("standard chat goes to the others as text and as a chat event", async () => {
    await ann.send(test.udp, "r", annToken, "hello");
    strictEqual(await bob.receiveText(), "ann: hello");
    deepStrictEqual(timeless(await cat.receiveEvent()), {
      type: "chat",
      time: NO_TIME,
      seq: 1,
      sender: "ann",
      text: "hello",
    });
  });
  await t.step(
    "kaiwa chat is echoed to its sender with the next seq; no echo to standard",
    async () => {
      await cat.send(
        test.udp,
        "r",
        catToken,
        Uint8Array.of(Command.Chat, ...new TextEncoder().encode("yo")),
      );
      deepStrictEqual(timeless(await cat.receiveEvent()), {
        type: "chat",
        time: NO_TIME,
        seq: 2,
        sender: "cat",
        text: "yo",
      });
      // The outbox keeps order: had ann got its own "hello" back, it would come before this.
      strictEqual(await ann.receiveText(), "cat: yo");
      strictEqual(await bob.receiveText(), "cat: yo");
    },
  );
  await t.step("a keep-alive is never relayed", async () => {
    await bob.send(test.udp, "r", bobToken, "");
    await bob.send(test.udp, "r", bobToken, "after");
    strictEqual(await ann.receiveText(), "bob: after");
    const relayed = await cat.receiveEvent();
    ok(relayed.type === "chat" && relayed.text === "after" && relayed.seq === 3);
  });
  await t.step("ping, who, unknown commands and invalid text answer the asker", async () => {
    await cat.send(test.udp, "r", catToken, Uint8Array.of(Command.Ping, PingFlag.Latest));
    // With the room's latest seq: a lost last message ("after", 3) is noticed by it (§3.2).
    deepStrictEqual(timeless(await cat.receiveEvent()), { type: "pong", time: NO_TIME, latest: 3 });
    // Without the flag, as a client from before it pings: an empty Pong, which it can decode.
    await cat.send(test.udp, "r", catToken, Uint8Array.of(Command.Ping));
    const empty = await cat.receive();
    deepStrictEqual(empty?.length, EVENT_HEADER_SIZE);
    deepStrictEqual(timeless(decodeEvent(empty!)), { type: "pong", time: NO_TIME });
    await cat.send(test.udp, "r", catToken, Uint8Array.of(Command.Who));
    const members = await cat.receiveEvent();
    ok(members.type === "members" && members.members.length === 3);
    await cat.send(test.udp, "r", catToken, Uint8Array.of(0x7f));
    const unknown = await cat.receiveEvent();
    ok(unknown.type === "notice" && unknown.code === NoticeCode.UnknownCommand);
    await cat.send(test.udp, "r", catToken, Uint8Array.of(Command.Chat, 0xff));
    const invalid = await cat.receiveEvent();
    ok(invalid.type === "notice" && invalid.code === NoticeCode.InvalidText);
  });
  await t.step("/exit announces the departure", async () => {
    await bob.send(test.udp, "r", bobToken, "/exit");
    strictEqual(await ann.receiveText(), "* bob left");
    deepStrictEqual(timeless(await cat.receiveEvent()), {
      type: "left",
      time: NO_TIME,
      reason: LeaveReason.Left,
      names: ["bob"],
    });
  });
  await t.step("the host leaving closes the room for everyone", async () => {
    await ann.send(test.udp, "r", annToken, "/exit");
    deepStrictEqual(timeless(await cat.receiveEvent()), {
      type: "room-closed",
      time: NO_TIME,
      reason: CloseReason.HostLeft,
    });
    strictEqual(test.server.state.rooms.size, 0);
    const before = test.server.state.counters.unknownToken;
    await cat.send(test.udp, "r", catToken, Uint8Array.of(Command.Ping));
    await waitFor(() => test.server.state.counters.unknownToken === before + 1, "the dropped ping");
    strictEqual(await cat.receive(SILENCE_MS), null);
  });
});

Deno.test("datagrams that do not authenticate are dropped unanswered", async (t) => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob");
  strictEqual(await ann.receiveText(), "* bob joined");
  const counters = test.server.state.counters;

  /** Sends from `client` and checks the drop was counted and nobody heard a thing. */
  const expectDropped = async (reason: keyof typeof counters, send: () => Promise<void>) => {
    const before = counters[reason];
    await send();
    await waitFor(() => counters[reason] === before + 1, `a ${reason} drop`);
    deepStrictEqual(await Promise.all([ann.receive(SILENCE_MS), bob.receive(SILENCE_MS)]), [
      null,
      null,
    ]);
  };

  await t.step("a valid token from another IP (127.0.0.2)", async () => {
    await using intruder = new UdpClient("127.0.0.2");
    await expectDropped("wrongAddress", () => intruder.send(test.udp, "r", annToken, "spoof"));
    strictEqual(await intruder.receive(SILENCE_MS), null);
  });
  await t.step("a valid token from another port of the same IP", async () => {
    await using other = new UdpClient();
    await expectDropped("wrongAddress", () => other.send(test.udp, "r", annToken, "spoof"));
    strictEqual(await other.receive(SILENCE_MS), null);
  });
  await t.step("a wrong token", async () => {
    await expectDropped("unknownToken", () => ann.send(test.udp, "r", "x".repeat(22), "hi"));
  });
  await t.step("a valid token with another room's name", async () => {
    await expectDropped("wrongRoom", () => ann.send(test.udp, "elsewhere", annToken, "hi"));
  });
  await t.step("a datagram over 4096 bytes", async () => {
    const header = Uint8Array.of(1, annToken.length, 0x72, ...new TextEncoder().encode(annToken));
    const datagram = new Uint8Array(MAX_DATAGRAM_SIZE + 1);
    datagram.set(header);
    datagram.fill(0x78, header.length);
    await expectDropped("oversize", () => ann.sendRaw(datagram, test.udp));
  });
  await t.step("malformed bytes", async () => {
    await expectDropped("malformed", () => ann.sendRaw(Uint8Array.of(9), test.udp));
  });
  await t.step("invalid UTF-8 from a standard member", async () => {
    await expectDropped(
      "invalidText",
      () => ann.send(test.udp, "r", annToken, Uint8Array.of(0xc3)),
    );
  });
});

Deno.test("flood control drops the excess and says so once a second", async () => {
  await using test = await startTestServer({ floodRate: 1, floodBurst: 2 });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cat = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob");
  const catToken = await enter(test, cat, JoinRoom, "r", "cat", { kaiwa: true });
  strictEqual((await cat.receiveEvent()).type, "members");
  for (const text of ["1", "2", "3", "4"]) await ann.send(test.udp, "r", annToken, text);
  await waitFor(() => test.server.state.counters.flood === 2, "two flood drops");
  strictEqual(await ann.receiveText(), "* bob joined");
  strictEqual(await ann.receiveText(), "* cat joined");
  const notice = await ann.receiveText();
  ok(notice.startsWith("* slow down: "), notice);
  strictEqual(await ann.receive(SILENCE_MS), null);
  deepStrictEqual([await bob.receiveText(), await bob.receiveText(), await bob.receiveText()], [
    "* cat joined",
    "ann: 1",
    "ann: 2",
  ]);
  strictEqual(await bob.receive(SILENCE_MS), null);
  for (let i = 0; i < 4; i++) {
    await cat.send(test.udp, "r", catToken, Uint8Array.of(Command.Chat, 0x61));
  }
  await waitFor(() => test.server.state.counters.flood === 4, "two more flood drops");
  const events = [];
  for (let i = 0; i < 5; i++) events.push(await cat.receiveEvent());
  deepStrictEqual(events.map((event) => event.type), ["chat", "chat", "chat", "chat", "notice"]);
  const last = events[4];
  ok(last.type === "notice" && last.code === NoticeCode.RateLimited);
});

Deno.test("a standard member gets the reference close datagram after kaiwa's notice", async () => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await enter(test, ann, CreateRoom, "r", "ann", { kaiwa: true });
  strictEqual((await ann.receiveEvent()).type, "members");
  await enter(test, bob, JoinRoom, "r", "bob");
  strictEqual((await ann.receiveEvent()).type, "joined");
  // The host goes silent: the sweep closes the room, as any close does.
  test.clock.advance(test.server.state.config.timeoutSeconds * 1000 + 1);
  test.server.state.sweep(test.clock.now());
  strictEqual(await bob.receiveText(), "* the room was closed: the host timed out");
  deepStrictEqual(
    await bob.receive(),
    Uint8Array.fromHex(
      "e38381e383a3e38383e38388e383abe383bce383a0e3818ce99689e38198e38289e3828ce381bee38197e3819f",
    ),
  );
  strictEqual(await bob.receive(SILENCE_MS), null);
});
