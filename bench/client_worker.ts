/**
 * A benchmark worker: owns a share of the simulated members, one UDP socket each
 * ({@link MemberSockets}: epoll, `recvmmsg` batches parsed in place, `sendto`), and sends paced
 * chat messages from them. Spreading members over workers puts the receiving on several threads.
 * It measures how busy it was while sending, so that every rate comes with the generator's
 * headroom.
 *
 * A member with a session (`--encrypted`) is a kaiwa client: it seals each command with the
 * client's own {@link SealedChannel} and opens each event through it, replay window included, so
 * the generator pays what a real client pays; the server's CPU figure does not include it.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { encodeClientDatagram, encodeCommand, encodeUtf8, SealedChannel } from "../protocol/mod.ts";
import { BusyMeter } from "./busy_meter.ts";
import { LatencyHistogram } from "./latency_histogram.ts";
import { MemberSockets, SEND_SLOT_SIZE } from "./member_sockets.ts";
import {
  ChatParser,
  chatText,
  isNotice,
  MAX_CHAT_TEXT_SIZE,
  nowMicros,
  readJoinedNames,
  writeChatText,
} from "./message_text.ts";
import type { MemberCredentials, WorkerCommand, WorkerReply } from "./worker_messages.ts";
import { MS_PER_SECOND } from "../util/mod.ts";

/** How often the sender wakes to send what is due. */
const SEND_TICK_MS = 2;
/** Most sends in one tick: after a stall the backlog is spread over ticks, not burst at once. */
const MAX_SEND_BATCH = 256;
const PERCENT = 100;
const NO_TEXT = new Uint8Array(0);

interface Sender {
  /** The member's index in this worker. */
  readonly member: number;
  /**
   * Where a standard client's chat text goes in the send arena, after its room and token
   * (written there once). Unused with a session.
   */
  readonly textStart: number;
  /** The member's session: its datagrams are sealed kaiwa commands. Null: standard client. */
  readonly channel: SealedChannel | null;
}

const busy = new BusyMeter();
let sockets: MemberSockets | null = null;
const senders: Sender[] = [];
const sendersByIndex = new Map<number, Sender>();
/** Each socket's session channel, by socket index; null until (or unless) it has one. */
let channels: (SealedChannel | null)[] = [];
const histogram = new LatencyHistogram();
const parser = new ChatParser();
let joinedNames = new Uint32Array(0);
let lastJoinedMicros = new Float64Array(0);
let trackNames = 0;
let heard = new Uint8Array(0);
/** The socket whose join notice is being read, for {@link markHeard}. */
let hearing = 0;
let step = -1;
let received = 0;
let stale = 0;
let notices = 0;
let unopened = 0;
let datagrams = 0;
let sendErrors = 0;
let nextSender = 0;
let nextMessageId = 0;

function open(count: number, serverHost: string, serverPort: number, names: number): number[] {
  joinedNames = new Uint32Array(count);
  lastJoinedMicros = new Float64Array(count);
  trackNames = names;
  heard = new Uint8Array(count * names);
  channels = new Array(count).fill(null);
  sockets = new MemberSockets(count, serverHost, serverPort, onDatagram, busy);
  return sockets.ports.slice();
}

/** Counts one datagram member `member` received, `bytes[start, end)`. */
function onDatagram(member: number, bytes: Uint8Array, start: number, end: number): void {
  datagrams++;
  const channel = channels[member];
  if (channel !== null) {
    receiveSealed(channel, bytes.subarray(start, end));
  } else if (isNotice(bytes, start, end)) {
    notices++;
    hearing = member;
    const names = readJoinedNames(bytes, start, end, markHeard);
    if (names > 0) {
      joinedNames[member] += names;
      lastJoinedMicros[member] = nowMicros();
    }
  } else if (!parser.parse(bytes, start, end)) {
    notices++;
  } else if (parser.step === step) {
    received++;
    histogram.record(nowMicros() - parser.sentMicros);
  } else {
    stale++;
  }
}

/** Opens a member's sealed event and counts it: a chat delivery, a notice, or a failure. */
function receiveSealed(channel: SealedChannel, datagram: Uint8Array): void {
  const event = channel.open(datagram);
  if (typeof event === "string") unopened++;
  else if (!parser.parseEvent(event)) notices++;
  else if (parser.step === step) {
    received++;
    histogram.record(nowMicros() - parser.sentMicros);
  } else stale++;
}

function markHeard(member: number): void {
  if (member >= 0 && member < trackNames) heard[hearing * trackNames + member] = 1;
}

function addMembers(members: readonly MemberCredentials[]): void {
  const open = openSockets();
  for (const member of members) {
    const channel = member.session === null ? null : SealedChannel.forClient(member.session);
    const header = encodeClientDatagram(
      encodeUtf8(member.roomName),
      encodeUtf8(member.token),
      NO_TEXT,
    );
    if (header.length + MAX_CHAT_TEXT_SIZE > SEND_SLOT_SIZE) {
      throw new Error(`Room name and token of member ${member.index} are too long to send`);
    }
    const slot = open.sendSlot(member.index);
    open.sendArena.set(header, slot);
    const sender = { member: member.index, textStart: slot + header.length, channel };
    channels[member.index] = channel;
    senders.push(sender);
    sendersByIndex.set(member.index, sender);
  }
}

/**
 * Sends message `id` of `sendStep` from a member: a standard client's datagram, written in place,
 * or, with a session, the sealed kaiwa chat command (which names no room and no token: the
 * session id stands for them).
 */
function sendChat(sockets: MemberSockets, sender: Sender, sendStep: number, id: number): void {
  let length: number;
  if (sender.channel === null) {
    const slot = sockets.sendSlot(sender.member);
    length = writeChatText(sockets.sendArena, sender.textStart, sendStep, id) - slot;
  } else {
    const command = encodeCommand({ type: "chat", text: chatText(sendStep, id) });
    const sealed = sender.channel.seal(command);
    sockets.sendArena.set(sealed, sockets.sendSlot(sender.member));
    length = sealed.length;
  }
  if (!sockets.send(sender.member, length)) sendErrors++;
}

/**
 * Sends `rate` messages per second for `durationMs`, in small batches, round-robin; returns what
 * it sent and the share of the time this worker was busy (sending, and taking and counting
 * datagrams), percent.
 */
async function sendPaced(
  sendStep: number,
  rate: number,
  durationMs: number,
): Promise<{ sent: number; elapsedMs: number; busyPercent: number }> {
  const members = openSockets();
  let sent = 0;
  // Message k is due at k / rate: the first at once, the last just before the end.
  const total = Math.ceil((rate * durationMs) / MS_PER_SECOND);
  const busyBefore = busy.busyMs;
  const start = performance.now();
  for (;;) {
    const startedAt = busy.start();
    const elapsed = startedAt - start;
    if (elapsed >= durationMs || senders.length === 0) break;
    const dueByNow = Math.min(Math.floor((rate * elapsed) / MS_PER_SECOND) + 1, total);
    const due = Math.min(dueByNow - sent, MAX_SEND_BATCH);
    for (let i = 0; i < due; i++) {
      sendChat(members, senders[nextSender], sendStep, nextMessageId++);
      nextSender = (nextSender + 1) % senders.length;
    }
    if (due > 0) sent += due;
    busy.stop(startedAt);
    await new Promise((resolve) => setTimeout(resolve, SEND_TICK_MS));
  }
  const elapsedMs = performance.now() - start;
  return { sent, elapsedMs, busyPercent: ((busy.busyMs - busyBefore) * PERCENT) / elapsedMs };
}

/** The worker's sockets; they must have been opened. */
function openSockets(): MemberSockets {
  if (sockets === null) throw new Error("The worker has no sockets open");
  return sockets;
}

function report(): WorkerReply {
  return {
    kind: "report",
    received,
    stale,
    notices,
    unopened,
    latencyCounts: histogram.counts.slice(),
    maxLatencyMicros: histogram.maxMicros,
    joinedNames: joinedNames.slice(),
    lastJoinedMicros: lastJoinedMicros.slice(),
    heard: heard.slice(),
    sendErrors,
  };
}

async function handle(command: WorkerCommand): Promise<WorkerReply> {
  switch (command.kind) {
    case "open":
      return {
        kind: "opened",
        ports: open(command.count, command.serverHost, command.serverPort, command.trackNames),
      };
    case "members":
      addMembers(command.members);
      return { kind: "ack" };
    case "step":
      step = command.step;
      received = 0;
      stale = 0;
      notices = 0;
      unopened = 0;
      histogram.reset();
      return { kind: "ack" };
    case "send":
      return { kind: "sent", ...(await sendPaced(command.step, command.rate, command.durationMs)) };
    case "poll":
      return { kind: "progress", datagrams };
    case "report":
      return report();
    case "close":
      await sockets?.close();
      return { kind: "ack" };
  }
}

// Commands are handled one at a time, so replies come back in order.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<WorkerCommand>) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      reply = await handle(event.data);
    } catch (error) {
      reply = { kind: "failed", message: (error as Error).message };
    }
    self.postMessage(reply);
  });
};
