import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Status } from "../protocol/mod.ts";
import { Logger } from "../server/log.ts";
import {
  type Member,
  ServerState,
  type UdpAddress,
  UNREACHABLE_SILENCE_MS,
} from "../server/state/mod.ts";
import { stateLog } from "../server/state_log.ts";
import { SendQueue } from "../server/udp/send_queue.ts";
import { UdpNotifier } from "../server/udp_notifier.ts";

const encoder = new TextEncoder();
const CONFIG = {
  timeoutSeconds: 300,
  maxRooms: 10,
  maxRoomMembers: 10,
  floodRate: 0,
  floodBurst: 1,
  joinRate: 0,
  bindTimeoutSeconds: 300,
  maxMembers: 100,
  maxMembersPerIp: 100,
  maxRoomsPerIp: 10,
  ipFloodRate: 0,
  whoIntervalSeconds: 0,
  roomBuffer: 256,
  roomBufferBytes: 65_536,
  history: 50,
};

/** A state whose notifier queues on a send queue whose sends are recorded (or fail). */
function setup(fail = false) {
  const clock = { time: 0 };
  const sent: { bytes: Uint8Array; address: UdpAddress }[] = [];
  const outbox = new SendQueue((bytes, address) => {
    sent.push({ bytes, address });
    return fail ? Promise.reject(new Error("Unreachable")) : Promise.resolve(bytes.length);
  }, (address) => state.unreachable(address.hostname, address.port, clock.time));
  const notifier = new UdpNotifier({ send: (bytes, address) => outbox.push(bytes, address) }, 1);
  const state = new ServerState(CONFIG, notifier, stateLog(new Logger("quiet")));
  let port = 1000;
  const add = (name: string, kaiwa: boolean): Member => {
    const request = {
      roomName: "r",
      roomNameBytes: encoder.encode("r"),
      username: name,
      kaiwa,
      ip: "10.0.0.1",
    };
    const admission = state.rooms.has("r")
      ? state.joinRoom(request, null, 0)
      : state.createRoom(request, null, 0);
    strictEqual(admission.status, Status.Ok);
    const member = admission.member as Member;
    state.announcePort(member, ++port, 0);
    return member;
  };
  return { sent, outbox, state, notifier, add, clock };
}

Deno.test("UdpNotifier encodes once per format and the send queue sends in order", async (t) => {
  await t.step(
    "one text buffer for the standard others, one event for every kaiwa member",
    async () => {
      const { sent, outbox, notifier, add } = setup();
      const ann = add("ann", false);
      add("bob", false);
      add("cid", false);
      add("dee", true);
      add("eve", true);
      // Kaiwa members got their member list when bound; only the chat's fan-out is checked here.
      await outbox.drain(1_000);
      sent.length = 0;
      notifier.chat(ann.room, ann, 1, encoder.encode("hi"), 0);
      await outbox.drain(1_000);
      deepStrictEqual(sent.map((s) => s.address.port), [1002, 1003, 1004, 1005]);
      strictEqual(sent[0].bytes, sent[1].bytes);
      strictEqual(sent[2].bytes, sent[3].bytes);
      strictEqual(new TextDecoder().decode(sent[0].bytes), "ann: hi");
      await outbox.close();
    },
  );
  await t.step("three failed deliveries to a silent kaiwa member remove it", async () => {
    const { outbox, notifier, add, clock } = setup(true);
    const ann = add("ann", false);
    const bob = add("bob", true);
    // Failures are a hint only: they remove a kaiwa member that is also silent long enough.
    clock.time = UNREACHABLE_SILENCE_MS;
    for (let i = 0; i < 3; i++) notifier.chat(ann.room, ann, i + 1, encoder.encode("x"), 0);
    await outbox.drain(1_000);
    ok(!bob.active);
    ok(ann.active);
    await outbox.close();
  });
});
