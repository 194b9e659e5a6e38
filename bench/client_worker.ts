/**
 * A benchmark worker: owns a share of the simulated members, one UDP socket each
 * ({@link MemberSockets}: epoll, `recvmmsg` batches parsed in place, `sendmmsg`), and sends paced
 * chat messages from them. Spreading members over workers puts the receiving on several threads.
 *
 * One loop does everything: it blocks in `epoll_wait` until a datagram arrives or the next
 * message is due, takes what arrived, sends what is due, and every few milliseconds lets the event
 * loop run so that the main thread's commands are answered. It measures how busy its thread was
 * while sending, so that every rate comes with the generator's headroom.
 *
 * A member with a session (`--encrypted`) is a kaiwa client: it seals each command with the
 * client's own {@link SealedChannel} and opens each event through it, replay window included, so
 * the generator pays what a real client pays; the server's CPU figure does not include it.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { encodeClientDatagram, encodeCommand, encodeUtf8 } from "../protocol/mod.ts";
import { SealedChannel } from "../protocol/sealing.ts";
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

/** Longest block in `epoll_wait` with nothing to send, ms: closing waits at most this long. */
const IDLE_WAIT_MS = 5;
/** The loop lets the event loop run (commands from the main thread) at least this often, ms. */
const YIELD_EVERY_MS = 2;
/**
 * Most sends per turn of the loop: after a stall the backlog is spread over turns, not burst at
 * once. A burst of a few hundred small datagrams fills a server socket's default receive buffer
 * (212,992 bytes, about 1 KiB of kernel memory per datagram) by itself.
 */
const MAX_SEND_BATCH = 32;
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

/** What a `send` command asked for, while it runs. */
interface SendPlan {
  readonly step: number;
  /** Messages per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** Messages in all: message k is due at k / rate, the first at once. */
  readonly total: number;
  /** When it started, `performance.now()`. */
  readonly start: number;
  sent: number;
  readonly finish: (result: SendResult) => void;
  readonly fail: (error: Error) => void;
}

/** What a `send` sent, in how long, and how busy the thread was meanwhile (percent). */
interface SendResult {
  sent: number;
  elapsedMs: number;
  busyPercent: number;
}

let sockets: MemberSockets | null = null;
let plan: SendPlan | null = null;
let loop: Promise<void> | null = null;
let closing = false;
/** Why the loop stopped, if it failed: every later command fails with it. */
let loopFailure: Error | null = null;
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

function open(
  count: number,
  serverHost: string,
  serverPorts: readonly number[],
  names: number,
): number[] {
  joinedNames = new Uint32Array(count);
  lastJoinedMicros = new Float64Array(count);
  trackNames = names;
  heard = new Uint8Array(count * names);
  channels = new Array(count).fill(null);
  sockets = new MemberSockets(count, serverHost, serverPorts, onDatagram);
  loop = run(sockets);
  return sockets.ports.slice();
}

/**
 * Takes datagrams and sends what is due until the worker closes. If it fails, the send in
 * progress and every later command fail with its error, rather than wait forever.
 */
async function run(members: MemberSockets): Promise<void> {
  let lastYield = performance.now();
  try {
    while (!closing) {
      members.poll(plan === null ? IDLE_WAIT_MS : sendDue(members, plan));
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } catch (error) {
    loopFailure = error as Error;
    plan?.fail(loopFailure);
    plan = null;
  }
}

/**
 * A macrotask's turn: the event loop answers commands meanwhile. (A timer would do, but nested
 * timers are clamped to 4 ms.)
 */
const turns = new MessageChannel();
let resumeLoop: (() => void) | null = null;
turns.port1.onmessage = () => resumeLoop?.();
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    resumeLoop = resolve;
    turns.port2.postMessage(null);
  });
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
 * Sends `rate` messages per second for `durationMs` from the members, round-robin, through the
 * loop; resolves with what it sent and the share of the time this worker's thread was busy (not
 * blocked waiting in `epoll_wait`), percent.
 */
function sendPaced(sendStep: number, rate: number, durationMs: number): Promise<SendResult> {
  const members = openSockets();
  return new Promise((finish, fail) => {
    members.busy.start();
    plan = {
      step: sendStep,
      rate,
      durationMs,
      total: Math.ceil((rate * durationMs) / MS_PER_SECOND),
      start: performance.now(),
      sent: 0,
      finish,
      fail,
    };
  });
}

/**
 * Sends the messages of `current` due by now; returns how long the loop may wait for the next
 * one, ms (ending the plan when its time is up).
 */
function sendDue(members: MemberSockets, current: SendPlan): number {
  const elapsed = performance.now() - current.start;
  if (elapsed >= current.durationMs || senders.length === 0) {
    plan = null;
    current.finish({
      sent: current.sent,
      elapsedMs: elapsed,
      busyPercent: members.busy.busyPercent(),
    });
    return 0;
  }
  const dueByNow = Math.min(
    Math.floor((current.rate * elapsed) / MS_PER_SECOND) + 1,
    current.total,
  );
  const due = Math.min(dueByNow - current.sent, MAX_SEND_BATCH);
  for (let i = 0; i < due; i++) {
    sendChat(members, senders[nextSender], current.step, nextMessageId++);
    nextSender = (nextSender + 1) % senders.length;
  }
  if (due > 0) current.sent += due;
  const nextDue = current.sent < current.total
    ? (current.sent * MS_PER_SECOND) / current.rate
    : current.durationMs;
  return Math.max(0, Math.ceil(Math.min(nextDue, current.durationMs) - elapsed));
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
  if (loopFailure !== null) throw loopFailure;
  switch (command.kind) {
    case "open":
      return {
        kind: "opened",
        ports: open(command.count, command.serverHost, command.serverPorts, command.trackNames),
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
      closing = true;
      await loop;
      sockets?.close();
      turns.port1.close();
      turns.port2.close();
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
