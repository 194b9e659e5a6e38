/**
 * Issue 10 #4: a member list is never sent whole to a small request. Who and the list sent on
 * binding are one page of at most MEMBERS_PAGE_BYTES plus a notice of what was left out; Who is
 * answered once per --who-interval; the page is encoded once per membership change.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { decodeEvent } from "../protocol/events.ts";
import { Command, NoticeCode } from "../protocol/constants.ts";
import { Logger } from "../server/log.ts";
import {
  type Member,
  MEMBERS_PAGE_BYTES,
  membersPageOf,
  ServerState,
  type UdpAddress,
} from "../server/state/mod.ts";
import { stateLog } from "../server/state_log.ts";
import { UdpNotifier } from "../server/udp_notifier.ts";
import { admitted, BASE_CONFIG, PORT, request, send, setup } from "./state_fixture.ts";

/** Size of a Who datagram: sizes, room "r", a 22-character token, the command byte. */
const WHO_REQUEST_BYTES = 2 + 1 + 22 + 1;
/** A long name, so that few fit a page: 200 bytes. */
const LONG = "n".repeat(196);

/** A state over a real UdpNotifier whose sends are recorded; a room of `size` kaiwa members. */
function bigRoom(size: number, whoIntervalSeconds = 10) {
  const sent: { bytes: Uint8Array; address: UdpAddress }[] = [];
  const notifier = new UdpNotifier({ send: (bytes, address) => sent.push({ bytes, address }) }, 5);
  const state = new ServerState(
    { ...BASE_CONFIG, maxRoomMembers: size + 1, whoIntervalSeconds },
    notifier,
    stateLog(new Logger("quiet")),
  );
  const members: Member[] = [admitted(state.createRoom(request("r", `${LONG}0`, true), null, 0))];
  for (let i = 1; i < size; i++) {
    members.push(admitted(state.joinRoom(request("r", `${LONG}${i}`, true), null, 0)));
  }
  members.forEach((member, i) => state.announcePort(member, PORT + i, 0));
  state.flushJoins(0);
  sent.length = 0;
  return { state, sent, members };
}

Deno.test("Who in a large room gets one bounded page and a notice of the rest", () => {
  const { state, sent, members } = bigRoom(500);
  const asker = members[2];
  send(state, asker, Uint8Array.of(Command.Who), { now: 1_000, port: PORT + 2 });
  const bytes = sent.reduce((n, s) => n + s.bytes.length, 0);
  ok(sent[0].bytes.length <= MEMBERS_PAGE_BYTES, `${sent[0].bytes.length} bytes`);
  ok(bytes <= MEMBERS_PAGE_BYTES + 100, `${bytes} bytes answer ${WHO_REQUEST_BYTES}`);
  const page = decodeEvent(sent[0].bytes);
  ok(page.type === "members");
  strictEqual(page.time, 1_000);
  strictEqual(page.members[0].host, true);
  strictEqual(page.members.length, 6);
  deepStrictEqual(page.members.filter((m) => m.you).map((m) => m.name), [asker.name]);
  const notice = decodeEvent(sent[1].bytes);
  ok(notice.type === "notice" && notice.code === NoticeCode.ListTruncated);
  strictEqual(notice.text, "the room has 500 members; the list shows the first 6");
  strictEqual(sent.length, 2);
});

Deno.test("the list sent on binding is the same bounded page", () => {
  const { state, sent } = bigRoom(200);
  const late = admitted(state.joinRoom(request("r", "late", true), null, 0));
  strictEqual(late.room.members.size, 201);
  state.announcePort(late, 9999, 0);
  strictEqual(sent.length, 2);
  ok(sent[0].bytes.length <= MEMBERS_PAGE_BYTES);
  // Not listed: a late joiner of a large room sees no "you" entry, only the first members.
  const page = decodeEvent(sent[0].bytes);
  ok(page.type === "members" && page.members.every((m) => !m.you));
});

Deno.test("Who is answered once per --who-interval; the rest dropped with a notice once a second", () => {
  const { state, notifier } = setup({ whoIntervalSeconds: 10 });
  const ann = admitted(state.createRoom(request("r", "ann", true), null, 0));
  send(state, ann, "", { now: 0 });
  notifier.take();
  const who = Uint8Array.of(Command.Who);
  send(state, ann, who, { now: 1_000 });
  send(state, ann, who, { now: 5_000 });
  send(state, ann, who, { now: 5_500 });
  send(state, ann, who, { now: 10_999 });
  strictEqual(state.counters.flood, 3);
  send(state, ann, who, { now: 11_000 });
  deepStrictEqual(notifier.take(), [
    ["members", "ann"],
    ["notice", "ann", NoticeCode.WhoTooSoon],
    ["notice", "ann", NoticeCode.WhoTooSoon],
    ["members", "ann"],
  ]);
});

Deno.test("the page is encoded once per membership change and copied per answer", () => {
  const { state, sent, members } = bigRoom(3, 0);
  const room = members[0].room;
  const first = membersPageOf(room);
  strictEqual(membersPageOf(room), first);
  send(state, members[1], Uint8Array.of(Command.Who), { now: 1, port: PORT + 1 });
  send(state, members[2], Uint8Array.of(Command.Who), { now: 2, port: PORT + 2 });
  strictEqual(membersPageOf(room), first);
  ok(sent[0].bytes !== sent[1].bytes);
  const [a, b] = sent.map((s) => decodeEvent(s.bytes));
  ok(a.type === "members" && b.type === "members");
  deepStrictEqual(a.members.map((m) => m.you), [false, true, false]);
  deepStrictEqual(b.members.map((m) => m.you), [false, false, true]);
  state.leave(members[2], 3);
  const second = membersPageOf(room);
  ok(second !== first);
  strictEqual(second.total, 2);
});
