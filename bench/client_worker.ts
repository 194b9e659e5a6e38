/**
 * A benchmark worker: owns a share of the simulated members, one UDP socket each, receives on
 * all of them (each into its own reused buffer) and sends paced chat messages from them.
 * Spreading members over workers puts the receiving on several threads.
 *
 * A member with a session (`--encrypted`) is a kaiwa client: it seals each command with the
 * client's own {@link SealedChannel} and opens each event through it, replay window included, so
 * the generator pays what a real client pays; the server's CPU figure does not include it.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  encodeClientDatagram,
  encodeCommand,
  encodeUtf8,
  MAX_EVENT_SIZE,
  SealedChannel,
} from "../protocol/mod.ts";
import { LatencyHistogram } from "./latency_histogram.ts";
import {
  ChatParser,
  chatText,
  encodeChatText,
  isNotice,
  nowMicros,
  readJoinedNames,
} from "./message_text.ts";
import type { MemberCredentials, WorkerCommand, WorkerReply } from "./worker_messages.ts";
import { MS_PER_SECOND } from "../util/mod.ts";

/** Room for the largest datagram the server sends: long join notices come close to it. */
const RECEIVE_BUFFER_SIZE = MAX_EVENT_SIZE;
/** How often the sender wakes to send what is due. */
const SEND_TICK_MS = 2;
/** Most sends in flight at once: more would starve this thread's receive loops. */
const MAX_SEND_BATCH = 64;
const LOOPBACK = "127.0.0.1";
/** What a standard client sends to leave; the host leaving closes the room for everyone. */
const EXIT_MESSAGE = "/exit";

interface Sender {
  readonly socket: Deno.DatagramConn;
  /** Where its datagrams go: the server, or its node of a cluster. */
  readonly server: Deno.NetAddr;
  readonly roomName: Uint8Array;
  readonly token: Uint8Array;
  /** The member's session: its datagrams are sealed kaiwa commands. Null: standard client. */
  readonly channel: SealedChannel | null;
}

const sockets: Deno.DatagramConn[] = [];
const senders: Sender[] = [];
const sendersByIndex = new Map<number, Sender>();
/** Each socket's session channel, by socket index; null until (or unless) it has one. */
let channels: (SealedChannel | null)[] = [];
const histogram = new LatencyHistogram();
const parser = new ChatParser();
/** Each socket's server address, by socket index. */
let servers: Deno.NetAddr[] = [];
let joinedNames = new Uint32Array(0);
let lastJoinedMicros = new Float64Array(0);
let trackNames = 0;
let heard = new Uint8Array(0);
/** The socket whose join notice is being read, for {@link markHeard}. */
let hearing = 0;
let loops: Promise<void>[] = [];
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
  servers = serverPorts.map((port) => ({ transport: "udp", hostname: serverHost, port }));
  joinedNames = new Uint32Array(count);
  lastJoinedMicros = new Float64Array(count);
  trackNames = names;
  heard = new Uint8Array(count * names);
  channels = new Array(count).fill(null);
  for (let i = 0; i < count; i++) {
    sockets.push(Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 }));
  }
  loops = sockets.map((socket, index) => receiveLoop(socket, index));
  return sockets.map((socket) => (socket.addr as Deno.NetAddr).port);
}

async function receiveLoop(socket: Deno.DatagramConn, index: number): Promise<void> {
  const buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
  for (;;) {
    let length: number;
    try {
      length = (await socket.receive(buffer))[0].length;
    } catch (error) {
      if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
        return;
      }
      continue;
    }
    datagrams++;
    const channel = channels[index];
    if (channel !== null) {
      receiveSealed(channel, buffer.subarray(0, length));
    } else if (isNotice(buffer, length)) {
      notices++;
      hearing = index;
      const names = readJoinedNames(buffer, length, markHeard);
      if (names > 0) {
        joinedNames[index] += names;
        lastJoinedMicros[index] = nowMicros();
      }
    } else if (!parser.parse(buffer, length)) {
      notices++;
    } else if (parser.step === step) {
      received++;
      histogram.record(nowMicros() - parser.sentMicros);
    } else {
      stale++;
    }
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
  for (const member of members) {
    const channel = member.session === null ? null : SealedChannel.forClient(member.session);
    const sender = {
      socket: sockets[member.index],
      server: servers[member.index],
      roomName: encodeUtf8(member.roomName),
      token: encodeUtf8(member.token),
      channel,
    };
    channels[member.index] = channel;
    senders.push(sender);
    sendersByIndex.set(member.index, sender);
  }
}

/**
 * Sends `message` from a member: a standard client's datagram, or, with a session, the sealed
 * kaiwa command (which names no room and no token: the session id stands for them).
 */
async function sendOne(sender: Sender, message: Uint8Array): Promise<void> {
  const datagram = sender.channel === null
    ? encodeClientDatagram(sender.roomName, sender.token, message)
    : sender.channel.seal(message);
  try {
    await sender.socket.send(datagram, sender.server);
  } catch {
    sendErrors++;
  }
}

/** Message `id` of `sendStep` as the member's client puts it in a datagram. */
function chatMessage(sender: Sender, sendStep: number, id: number): Uint8Array {
  return sender.channel === null
    ? encodeChatText(sendStep, id)
    : encodeCommand({ type: "chat", text: chatText(sendStep, id) });
}

/** Sends `rate` messages per second for `durationMs`, in small batches, round-robin. */
async function sendPaced(
  sendStep: number,
  rate: number,
  durationMs: number,
): Promise<{ sent: number; elapsedMs: number }> {
  let sent = 0;
  // Message k is due at k / rate: the first at once, the last just before the end.
  const total = Math.ceil((rate * durationMs) / MS_PER_SECOND);
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= durationMs || senders.length === 0) break;
    const dueByNow = Math.min(Math.floor((rate * elapsed) / MS_PER_SECOND) + 1, total);
    const due = Math.min(dueByNow - sent, MAX_SEND_BATCH);
    if (due > 0) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < due; i++) {
        const sender = senders[nextSender];
        nextSender = (nextSender + 1) % senders.length;
        batch.push(sendOne(sender, chatMessage(sender, sendStep, nextMessageId++)));
      }
      await Promise.all(batch);
      sent += due;
    }
    await new Promise((resolve) => setTimeout(resolve, SEND_TICK_MS));
  }
  return { sent, elapsedMs: performance.now() - start };
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

async function close(): Promise<void> {
  for (const socket of sockets) {
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  }
  await Promise.all(loops);
}

/** The member at socket `index`, which must have been registered. */
function senderAt(index: number): Sender {
  const sender = sendersByIndex.get(index);
  if (sender === undefined) throw new Error(`Member ${index} has no token`);
  return sender;
}

async function handle(command: WorkerCommand): Promise<WorkerReply> {
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
    case "say": {
      const sender = senderAt(command.index);
      const text = sender.channel === null
        ? encodeUtf8(command.text)
        : encodeCommand({ type: "chat", text: command.text });
      await sendOne(sender, text);
      return { kind: "ack" };
    }
    case "leave": {
      const sender = senderAt(command.index);
      const leave = sender.channel === null
        ? encodeUtf8(EXIT_MESSAGE)
        : encodeCommand({ type: "leave" });
      await sendOne(sender, leave);
      return { kind: "ack" };
    }
    case "poll":
      return { kind: "progress", datagrams };
    case "report":
      return report();
    case "close":
      await close();
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
