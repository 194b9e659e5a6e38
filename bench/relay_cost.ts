/**
 * The server's CPU per relayed message in many small rooms (scenario (c)'s shape), measured in one
 * process without a load generator competing for the cores: the state, the notifier, the fair
 * queue and the fast path's `sendmmsg` batches, fed datagrams as the receive loop feeds them (a
 * batch, then the microtask that flushes the sends). What it leaves out is the receive itself
 * (`recvmmsg`, the same before and after any change to the relay). The recipients are a few
 * loopback sockets nobody reads: past their buffer the kernel drops, so `sys` time is lower than
 * a real delivery costs; `user` is the JavaScript.
 *
 * Run: `deno run --allow-net --allow-ffi bench/relay_cost.ts [rooms] [members] [seconds]`
 * (default 250 rooms of 4, 5 s). Linux only (the fast path).
 *
 * @module
 */

import process from "node:process";
import { encodeClientDatagram, encodeUtf8 } from "../protocol/mod.ts";
import { BatchSendQueue } from "../server/fast_udp/batch_queue.ts";
import { attachFastUdp } from "../server/fast_udp/mod.ts";
import { Logger } from "../server/log.ts";
import { DEFAULT_SERVE_OPTIONS } from "../server/options.ts";
import { type Member, ServerState } from "../server/state/mod.ts";
import { stateLog } from "../server/state_log.ts";
import { UdpNotifier } from "../server/udp_notifier.ts";

const rooms = Number(Deno.args[0] ?? 250);
const perRoom = Number(Deno.args[1] ?? 4);
const seconds = Number(Deno.args[2] ?? 5);
/** Datagrams handled per turn before the sends are flushed, as `recvmmsg` hands them over. */
const BATCH = 64;
const HOST = "127.0.0.1";
/** Sockets the members are bound to (members of different rooms share them). */
const SINKS = 8;

const server = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
const fast = attachFastUdp(server);
if (typeof fast === "string") throw new Error(`No fast path: ${fast}`);
const sinks = Array.from(
  { length: SINKS },
  () => Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 }),
);
const queue = new BatchSendQueue(fast.libc, fast.fd);
const notifier = new UdpNotifier({
  send: (bytes, address, flow) => queue.push(bytes, address, flow),
}, 0);
const config = {
  ...DEFAULT_SERVE_OPTIONS,
  floodRate: 0,
  ipFloodRate: 0,
  joinRate: 0,
  maxMembers: 1_000_000,
  maxMembersPerIp: 1_000_000,
  maxRooms: 1_000_000,
  maxRoomsPerIp: 1_000_000,
  maxRoomMembers: 1_000_000,
};
const state = new ServerState(config, notifier, stateLog(new Logger("quiet")));

const members: { member: Member; port: number; datagram: Uint8Array }[] = [];
for (let r = 0; r < rooms; r++) {
  const roomName = `room-${r}`;
  for (let m = 0; m < perRoom; m++) {
    const request = {
      roomName,
      roomNameBytes: encodeUtf8(roomName),
      username: `user-${m}`,
      kaiwa: false,
      ip: HOST,
    };
    const admission = m === 0
      ? state.createRoom(request, null, 0)
      : state.joinRoom(request, null, 0);
    const member = admission.member!;
    const port = (sinks[(r * perRoom + m) % SINKS].addr as Deno.NetAddr).port;
    const text = encodeUtf8(`${r} ${m} 1234567890123`);
    const datagram = encodeClientDatagram(request.roomNameBytes, encodeUtf8(member.token), text);
    members.push({ member, port, datagram });
  }
}
state.flushJoins(0);
for (const { datagram, port } of members) state.receive(datagram, HOST, port, 0);
await new Promise((resolve) => setTimeout(resolve, 100));

const start = process.cpuUsage();
const startWall = performance.now();
let handled = 0;
let next = 0;
while (performance.now() - startWall < seconds * 1_000) {
  for (let i = 0; i < BATCH; i++) {
    const { datagram, port } = members[next];
    next = (next + 1) % members.length;
    state.receive(datagram, HOST, port, Date.now());
  }
  handled += BATCH;
  // The flush runs in a microtask, as after the receive loop's batch.
  await Promise.resolve();
  await Promise.resolve();
}
const used = process.cpuUsage(start);
const wall = performance.now() - startWall;
const perMessage = (us: number) => (us / handled).toFixed(2);
console.log(
  `${rooms} rooms of ${perRoom}: ${handled} messages in ${(wall / 1_000).toFixed(1)} s ` +
    `(${Math.round(handled / wall * 1_000)}/s); per message: user ${perMessage(used.user)} µs, ` +
    `system ${perMessage(used.system)} µs, ${perRoom - 1} deliveries each; ` +
    `${queue.dropped} dropped by the queue`,
);
await queue.close();
fast.libc.close();
server.close();
for (const sink of sinks) sink.close();
