import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ChatView } from "../client/interactive/chat_view.ts";
import { describeRoomList } from "../client/interactive/room_list.ts";
import { DEFAULT_LIVENESS_CONFIG } from "../client/liveness.ts";
import { CloseReason, LeaveReason, type MemberEntry, RemoveReason } from "../protocol/mod.ts";

// Local time 09:05, whatever the time zone the tests run in.
const TIME = new Date(2024, 0, 1, 9, 5).getTime();

function view(created = false, color: "none" | "256" = "none"): ChatView {
  return new ChatView({
    room: "lobby",
    name: "bob",
    created,
    style: { color },
    silenceLimitMs: DEFAULT_LIVENESS_CONFIG.silenceLimitMs,
    clock: () => TIME,
  });
}

function members(...entries: [string, boolean, boolean][]): MemberEntry[] {
  return entries.map(([name, host, you]) => ({ name, host, you }));
}

Deno.test("ChatView turns events into lines", { permissions: "none" }, async (t) => {
  await t.step("chat: time, sender and text; own messages too", () => {
    const chat = {
      type: "chat",
      time: TIME,
      seq: 1,
      sender: "alice",
      text: "こんにちは 🎉",
    } as const;
    deepStrictEqual(view().eventLines(chat, false), ["09:05 alice: こんにちは 🎉"]);
    deepStrictEqual(view().eventLines({ ...chat, sender: "bob" }, true), [
      "09:05 bob: こんにちは 🎉",
    ]);
  });

  await t.step("other people's text cannot reach the terminal raw", () => {
    const chat = {
      type: "chat",
      time: TIME,
      seq: 1,
      sender: "eve\x1b[2J",
      text: "x\x1b]52;c;aGk=\x07y",
    } as const;
    const [line] = view().eventLines(chat, false);
    ok(!line.includes("\x1b"), JSON.stringify(line));
  });

  await t.step("join and leave notices, dim when there is colour", () => {
    deepStrictEqual(
      view().eventLines({ type: "joined", time: TIME, names: ["alice", "carol"] }, false),
      [
        "09:05 * alice, carol joined",
      ],
    );
    deepStrictEqual(
      view().eventLines({
        type: "left",
        time: TIME,
        reason: LeaveReason.TimedOut,
        names: ["carol"],
      }, false),
      ["09:05 * carol timed out"],
    );
    const [dim] = view(false, "256").eventLines(
      { type: "joined", time: TIME, names: ["alice"] },
      false,
    );
    ok(dim.startsWith("\x1b[2m"), JSON.stringify(dim));
  });

  await t.step("the endings say why", () => {
    const v = view();
    deepStrictEqual(
      v.eventLines({ type: "room-closed", time: TIME, reason: CloseReason.HostLeft }, false),
      [
        "09:05 * the room was closed: the host left",
      ],
    );
    deepStrictEqual(
      v.eventLines({ type: "removed", time: TIME, reason: RemoveReason.Inactivity }, false),
      [
        "09:05 * you were removed for inactivity",
      ],
    );
    deepStrictEqual(v.eventLines({ type: "shutdown", time: TIME }, false), [
      "09:05 * the server is shutting down",
    ]);
    deepStrictEqual(v.endLines({ kind: "lost" }, TIME), [
      "09:05 * Connection lost: the server has not answered for 15 seconds",
    ]);
    deepStrictEqual(v.endLines({ kind: "room-closed", reason: CloseReason.HostLeft }, TIME), []);
    deepStrictEqual(v.endLines({ kind: "left" }, TIME), []);
  });

  await t.step("server notices are shown; pong is not", () => {
    deepStrictEqual(
      view().eventLines({ type: "notice", time: TIME, code: 1, text: "slow down" }, false),
      [
        "09:05 * slow down",
      ],
    );
    deepStrictEqual(view().eventLines({ type: "pong", time: TIME }, false), []);
  });

  await t.step("the welcome and the prompt", () => {
    deepStrictEqual(view(true).welcome(TIME), [
      "09:05 * you created lobby and are its host; /help lists the commands",
    ]);
    deepStrictEqual(view().welcome(TIME), ["09:05 * you joined lobby; /help lists the commands"]);
    strictEqual(view().prompt(), "[lobby 1] bob> ");
    strictEqual(view().prompt(3, 2), "[lobby 1 +3] bob (sending 2)> ");
    const long = new ChatView({
      room: "a-very-long-room-name-that-would-fill-the-prompt",
      name: "bob",
      created: false,
      style: { color: "none" },
      silenceLimitMs: DEFAULT_LIVENESS_CONFIG.silenceLimitMs,
      clock: () => TIME,
    });
    strictEqual(long.prompt(), "[a-very-long-roo… 1] bob> ");
  });

  await t.step("after the server went away, the prompt claims no count until a member list", () => {
    const v = view();
    v.eventLines({ type: "members", time: TIME, members: members(["alice", true, false]) }, false);
    v.restart();
    strictEqual(v.prompt(0, 1), "[lobby …] bob (sending 1)> ");
    v.eventLines({ type: "joined", time: TIME, names: ["carol"] }, false);
    strictEqual(v.prompt(), "[lobby …] bob> ", "an arrival alone does not tell the count");
    v.eventLines(
      {
        type: "members",
        time: TIME,
        members: members(["alice", true, false], ["bob", false, true]),
      },
      false,
    );
    strictEqual(v.prompt(), "[lobby 2] bob> ");
  });
});

Deno.test("ChatView heads History: the room's past on joining, what we missed after a rejoin", {
  permissions: "none",
}, () => {
  const chat = { type: "chat", time: TIME, seq: 1, sender: "alice", text: "hi" } as const;
  const past = { ...chat, history: true } as const;
  const v = view();
  deepStrictEqual(v.eventLines(past, false), [
    "09:05 * earlier messages in lobby:",
    "09:05 alice: hi",
  ]);
  deepStrictEqual(v.eventLines({ ...past, seq: 2 }, false), ["09:05 alice: hi"]);
  v.rejoining();
  deepStrictEqual(v.eventLines({ ...past, seq: 3 }, false), [
    "09:05 * messages while you were away:",
    "09:05 alice: hi",
  ]);
  deepStrictEqual(v.eventLines({ ...chat, seq: 4 }, false), ["09:05 alice: hi"]);
  // A room without a past: the first History is what a rejoin brings, not "earlier messages".
  const fresh = view();
  deepStrictEqual(fresh.eventLines(chat, false), ["09:05 alice: hi"]);
  fresh.rejoining();
  deepStrictEqual(fresh.eventLines({ ...past, seq: 2 }, false), [
    "09:05 * messages while you were away:",
    "09:05 alice: hi",
  ]);
});

Deno.test("ChatView tracks the members and the host", { permissions: "none" }, async (t) => {
  await t.step("a member list is shown with the host and us marked", () => {
    const v = view();
    const lines = v.eventLines(
      {
        type: "members",
        time: TIME,
        members: members(["alice", true, false], ["bob", false, true]),
      },
      false,
    );
    deepStrictEqual(lines, ["09:05 * 2 in lobby: alice (host), bob (you)"]);
    strictEqual(v.isHost, false);
  });

  await t.step("the creator is host from the start, and the list can say so", () => {
    const v = view(true);
    strictEqual(v.isHost, true);
    v.eventLines({ type: "members", time: TIME, members: members(["bob", true, true]) }, false);
    strictEqual(v.isHost, true);
    deepStrictEqual(
      v.eventLines({ type: "members", time: TIME, members: members(["bob", true, true]) }, false),
      [
        "09:05 * 1 in lobby: bob (host, you)",
      ],
    );
  });

  await t.step("a list that names another host means we are not", () => {
    const v = view(true);
    v.eventLines({
      type: "members",
      time: TIME,
      members: members(["alice", true, false], ["bob", false, true]),
    }, false);
    strictEqual(v.isHost, false);
  });

  await t.step("joins and leaves update the list, once per name", () => {
    const v = view();
    v.eventLines({
      type: "members",
      time: TIME,
      members: members(["alice", true, false], ["bob", false, true]),
    }, false);
    v.eventLines({ type: "joined", time: TIME, names: ["carol", "dan"] }, false);
    v.eventLines({ type: "joined", time: TIME, names: ["carol"] }, false);
    v.eventLines(
      { type: "left", time: TIME, reason: LeaveReason.Left, names: ["dan", "bob"] },
      false,
    );
    deepStrictEqual(v.members.map((member) => member.name), ["alice", "bob", "carol"]);
  });
});

Deno.test(
  "describeRoomList() shows names, members and the lock",
  { permissions: "none" },
  async (t) => {
    await t.step("rooms", () => {
      deepStrictEqual(
        describeRoomList({
          rooms: [{ name: "lobby", members: 3, password: false }, {
            name: "秘密",
            members: 1,
            password: true,
          }],
          truncated: false,
        }),
        ["2 rooms:", "  lobby (3 members)", "  秘密 (1 member) 🔒"],
      );
    });

    await t.step("none, a cut list, and a hostile name", () => {
      deepStrictEqual(describeRoomList({ rooms: [], truncated: false }), [
        "no rooms yet: create one",
      ]);
      const lines = describeRoomList({
        rooms: [{ name: "x\x1b[2J", members: 2, password: false }],
        truncated: true,
      });
      deepStrictEqual(lines, ["1 room (list cut short):", "  x\uFFFD (2 members)"]);
    });
  },
);

Deno.test(
  "ChatView marks a change of day and dates a message not from today (fault 6)",
  { permissions: "none" },
  async (t) => {
    const at = (iso: string) => Date.parse(iso);
    const chat = (time: number, text: string) =>
      ({ type: "chat", time, seq: 1, sender: "alice", text }) as const;
    const inZone = (timeZone: string, now: string) =>
      new ChatView({
        room: "lobby",
        name: "bob",
        created: false,
        style: { color: "none", timeZone },
        silenceLimitMs: DEFAULT_LIVENESS_CONFIG.silenceLimitMs,
        clock: () => at(now),
      });

    await t.step("23:59, then 00:01, then three days old, in Tokyo", () => {
      const v = inZone("Asia/Tokyo", "2026-11-30T00:05:00+09:00");
      deepStrictEqual(v.eventLines(chat(at("2026-11-29T23:59:00+09:00"), "late"), false), [
        "2026-11-29 23:59 alice: late",
      ]);
      deepStrictEqual(v.eventLines(chat(at("2026-11-30T00:01:00+09:00"), "early"), false), [
        "--- Monday 2026-11-30 ---",
        "00:01 alice: early",
      ]);
      deepStrictEqual(v.eventLines(chat(at("2026-11-27T15:16:00+09:00"), "old"), false), [
        "--- Friday 2026-11-27 ---",
        "2026-11-27 15:16 alice: old",
      ]);
      deepStrictEqual(v.notice("back", at("2026-11-30T00:06:00+09:00")), [
        "--- Monday 2026-11-30 ---",
        "00:06 * back",
      ]);
    });

    await t.step("the same instants are one day in New York", () => {
      const v = inZone("America/New_York", "2026-11-29T10:05:00-05:00");
      deepStrictEqual(v.eventLines(chat(at("2026-11-29T23:59:00+09:00"), "late"), false), [
        "09:59 alice: late",
      ]);
      deepStrictEqual(v.eventLines(chat(at("2026-11-30T00:01:00+09:00"), "early"), false), [
        "10:01 alice: early",
      ]);
    });
  },
);

Deno.test("ChatView: /me actions and mentions", { permissions: "none" }, async (t) => {
  const chat = (sender: string, text: string) =>
    ({ type: "chat", time: TIME, seq: 1, sender, text }) as const;
  await t.step("an action is shown '* alice waves'", () => {
    deepStrictEqual(view().eventLines(chat("alice", "/me waves"), false), ["09:05 * alice waves"]);
  });
  await t.step("a message naming us is a mention, in reverse video with colour", () => {
    const v = view(false, "256");
    strictEqual(v.mentionsUs(chat("alice", "bob: lunch?"), false), true);
    strictEqual(v.mentionsUs(chat("alice", "bobcat"), false), false);
    strictEqual(v.mentionsUs(chat("bob", "bob here"), true), false);
    const [line] = v.eventLines(chat("alice", "bob: lunch?"), false);
    ok(line.includes("\x1b[7mbob: lunch?\x1b[0m"), JSON.stringify(line));
  });
});
