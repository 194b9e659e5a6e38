/**
 * The session's rejoin, with a fake clock, fake sockets and a fake rejoin: a silent server is
 * rejoined with our token, queued messages survive the silence and are resent on the new socket,
 * a room found gone ends the session, and an unreachable server ends it after every attempt.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ClientError } from "../client/errors.ts";
import { ResendQueue } from "../client/resend_queue.ts";
import { ChatSession, type RejoinState, type SessionLink } from "../client/session.ts";
import { endMessage, endReason } from "../client/session_end.ts";
import { decodeCommand, encodeEvent, parseClientDatagram } from "../protocol/mod.ts";
import { FakeClock } from "./server_helpers.ts";

const SERVER: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: 9 };
const LIVENESS = { pingIntervalMs: 1_000, silenceLimitMs: 3_000 };

/** A socket whose sends are recorded and whose receives are fed by the test. */
class FakeSocket {
  readonly sent: { type: string; text?: string; token: string }[] = [];
  #deliver: ((value: [Uint8Array, Deno.Addr]) => void) | null = null;
  #fail: (error: Error) => void = () => {};
  closed = false;

  send(data: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    const datagram = parseClientDatagram(data);
    const command = decodeCommand(datagram.message);
    this.sent.push({
      type: command.type,
      text: command.type === "chat" ? command.text : undefined,
      token: new TextDecoder().decode(datagram.token),
    });
    return Promise.resolve(data.length);
  }

  receive(): Promise<[Uint8Array, Deno.Addr]> {
    return new Promise((resolve, reject) => {
      this.#deliver = resolve;
      this.#fail = reject;
    });
  }

  /** Delivers a datagram from the server. */
  deliver(bytes: Uint8Array): void {
    const deliver = this.#deliver;
    this.#deliver = null;
    deliver?.([bytes, SERVER]);
  }

  close(): void {
    this.closed = true;
    this.#fail(new Deno.errors.BadResource("closed"));
  }

  get chats(): string[] {
    return this.sent.filter((s) => s.type === "chat").map((s) => s.text!);
  }
}

function link(socket: FakeSocket, token: string): SessionLink {
  return { socket: socket as unknown as Deno.DatagramConn, server: SERVER, token };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 15));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await tick();
  }
  throw new Error(`never: ${what}`);
}

function session(
  first: FakeSocket,
  clock: FakeClock,
  rejoin: (token: string) => Promise<SessionLink>,
  states: RejoinState[],
  sleeps: number[] = [],
): ChatSession {
  return new ChatSession({
    ...link(first, "tok"),
    roomName: "room",
    username: "me",
    onEvent: () => {},
    clock: clock.now,
    tickMs: 5,
    liveness: LIVENESS,
    resend: { resendAfterMs: 500, maxAttempts: 2 },
    rejoin,
    onRejoin: (state) => states.push(state),
    rejoinDelaysMs: [0, 1_000, 2_000],
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
}

Deno.test("rejoin: a silent server is rejoined with our token; the queued message is resent once back", async () => {
  const clock = new FakeClock();
  const first = new FakeSocket();
  const second = new FakeSocket();
  const tokens: string[] = [];
  const states: RejoinState[] = [];
  const chat = session(first, clock, (token) => {
    tokens.push(token);
    return Promise.resolve(link(second, "tok"));
  }, states);
  const running = chat.run();
  chat.say("hello");
  await until(() => first.chats.length === 1, "the first send");
  // The server is silent: the message is resent but never given up while nothing is heard.
  for (let i = 0; i < 5; i++) {
    clock.advance(500);
    await tick();
  }
  ok(first.chats.length >= 3, "resent through the silence");
  strictEqual(chat.pending, 1, "not given up while the server is silent");
  clock.advance(3_000);
  await until(() => states.includes("back"), "back");
  deepStrictEqual(states, ["rejoining", "back"]);
  deepStrictEqual(tokens, ["tok"], "one rejoin, resuming our token");
  ok(first.closed, "the old socket is closed");
  await until(() => second.chats.length === 1, "the resend on the new socket");
  strictEqual(second.sent[0].type, "ping", "a ping first, which binds the new address");
  second.deliver(encodeEvent({ type: "chat", time: 0, seq: 1, sender: "me", text: "hello" }));
  await until(() => chat.pending === 0, "the echo confirms");
  await chat.leave();
  deepStrictEqual(await running, { kind: "left" });
  ok(second.closed);
});

Deno.test("rejoin: a message the history shows delivered is confirmed by its resend's echo, not reported undelivered", async () => {
  const clock = new FakeClock();
  const first = new FakeSocket();
  const second = new FakeSocket();
  const states: RejoinState[] = [];
  const undelivered: string[] = [];
  let confirmations = 0;
  const chat = new ChatSession({
    ...link(first, "tok"),
    roomName: "room",
    username: "me",
    onEvent: () => {},
    onUndelivered: (text) => undelivered.push(text),
    onConfirmed: () => confirmations++,
    clock: clock.now,
    tickMs: 5,
    liveness: LIVENESS,
    resend: { resendAfterMs: 500, maxAttempts: 2 },
    rejoin: () => Promise.resolve(link(second, "tok")),
    onRejoin: (state) => states.push(state),
    rejoinDelaysMs: [0],
    sleep: () => Promise.resolve(),
  });
  const running = chat.run();
  chat.say("hello");
  await until(() => first.chats.length === 1, "the first send");
  // A frozen server: it relays the message only after we rejoined, so its echo went to the old
  // socket, and the new address gets the room's history, our message in it.
  clock.advance(3_500);
  await until(() => states.includes("back"), "back");
  second.deliver(
    encodeEvent({ type: "chat", time: 0, seq: 1, sender: "me", text: "hello", history: true }),
  );
  await until(() => second.chats.length === 1, "the resend on the new socket");
  // The server answers the resend (same message id) with the original event: seq 1 again.
  for (let i = 0; i < 4 && chat.pending > 0; i++) {
    second.deliver(encodeEvent({ type: "chat", time: 0, seq: 1, sender: "me", text: "hello" }));
    await tick();
    clock.advance(500);
    await tick();
  }
  strictEqual(chat.pending, 0, "the echo of the resend confirms it");
  deepStrictEqual(undelivered, [], "not reported undelivered: the room has it");
  strictEqual(confirmations, 1, "the screen is told, though no echo is shown");
  await chat.leave();
  deepStrictEqual(await running, { kind: "left" });
});

Deno.test("rejoin: a room gone ends the session as closed (exit 10), with one sentence", async () => {
  const clock = new FakeClock();
  const states: RejoinState[] = [];
  const chat = session(new FakeSocket(), clock, () => {
    return Promise.reject(new ClientError('Room "room" does not exist', "roomNotFound"));
  }, states);
  const running = chat.run();
  await tick();
  clock.advance(3_000);
  const end = await running;
  deepStrictEqual(end, { kind: "room-gone" });
  strictEqual(endReason(end), "roomClosed");
  ok(endMessage(end, 3_000)!.startsWith("The room is gone"));
  deepStrictEqual(states, ["rejoining"]);
});

Deno.test("rejoin: an unreachable server is tried with pauses, then the session is lost", async () => {
  const clock = new FakeClock();
  const states: RejoinState[] = [];
  const sleeps: number[] = [];
  let attempts = 0;
  const chat = session(
    new FakeSocket(),
    clock,
    () => {
      attempts++;
      return Promise.reject(new ClientError("Cannot reach the server", "unreachable"));
    },
    states,
    sleeps,
  );
  const running = chat.run();
  await tick();
  clock.advance(3_000);
  const end = await running;
  deepStrictEqual(end, { kind: "lost", rejoinAttempts: 3 });
  strictEqual(attempts, 3);
  deepStrictEqual(sleeps, [1_000, 2_000], "no pause before the first attempt");
  strictEqual(endReason(end), "connectionLost");
  strictEqual(
    endMessage(end, 3_000),
    "Connection lost: the server has not answered for 3 seconds, nor to 3 attempts to rejoin",
  );
});

Deno.test("rejoin: another refusal ends the session with that refusal's reason", async () => {
  const clock = new FakeClock();
  const chat = session(new FakeSocket(), clock, () => {
    return Promise.reject(new ClientError('The name "me" is already taken', "nameTaken"));
  }, []);
  const running = chat.run();
  await tick();
  clock.advance(3_000);
  const end = await running;
  strictEqual(end.kind, "rejoin-refused");
  strictEqual(endReason(end), "nameTaken");
});

Deno.test("resend queue: gives up only after the server answered since the last send", () => {
  const queue = new ResendQueue({ resendAfterMs: 100, maxAttempts: 2 }, 1);
  queue.enqueue("a");
  deepStrictEqual(queue.poll(0, 0), { type: "send", text: "a", id: 1 });
  deepStrictEqual(queue.poll(100, 0), { type: "send", text: "a", id: 1 });
  // Silent since: sent again, never given up.
  deepStrictEqual(queue.poll(200, 0), { type: "send", text: "a", id: 1 });
  strictEqual(queue.poll(250, 0), null);
  // The server answered (a pong) after the last send, and still no echo: given up.
  deepStrictEqual(queue.poll(300, 250), { type: "give-up", text: "a" });
  queue.enqueue("b");
  queue.poll(400, 400);
  queue.restart();
  deepStrictEqual(
    queue.poll(401, 400),
    { type: "send", text: "b", id: 2 },
    "after a rejoin: at once",
  );
});

Deno.test("rejoin: as a new member (a restarted server, its room made again) seqs start again from 1", async () => {
  const clock = new FakeClock();
  const first = new FakeSocket();
  const second = new FakeSocket();
  const states: RejoinState[] = [];
  const shown: string[] = [];
  const chat = new ChatSession({
    ...link(first, "tok"),
    roomName: "room",
    username: "me",
    onEvent: (event) => {
      if (event.type === "chat" || event.type === "gap") shown.push(JSON.stringify(event));
    },
    clock: clock.now,
    tickMs: 5,
    liveness: LIVENESS,
    resend: { resendAfterMs: 500, maxAttempts: 2 },
    // The server did not know our token: it let us join afresh, with a new one.
    rejoin: () => Promise.resolve(link(second, "new")),
    onRejoin: (state) => states.push(state),
    rejoinDelaysMs: [0],
    sleep: () => Promise.resolve(),
  });
  const running = chat.run();
  const event = (seq: number, sender: string, text: string) =>
    encodeEvent({ type: "chat", time: 0, seq, sender, text });
  first.deliver(event(1, "ann", "a1"));
  await tick();
  first.deliver(event(2, "ann", "a2"));
  await tick();
  clock.advance(300);
  await until(() => shown.length === 2, "the first room's chat shown");
  chat.say("hi");
  await until(() => first.chats.length === 1, "our first message sent");
  first.deliver(event(3, "me", "hi"));
  await until(() => chat.pending === 0, "its echo confirms it");
  clock.advance(3_500);
  await until(() => states.includes("back"), "back");
  // The room made again counts from 1: its messages are new, not duplicates of the old room's.
  second.deliver(event(1, "bo", "b1"));
  await tick();
  clock.advance(300);
  await until(() => shown.some((line) => line.includes('"b1"')), "the new room's first message");
  chat.say("hello");
  await until(() => second.chats.includes("hello"), "our message sent to the new room");
  second.deliver(event(2, "me", "hello"));
  await until(() => chat.pending === 0, "its echo (seq 2, below our last one's 3) confirms it");
  await chat.leave();
  deepStrictEqual(await running, { kind: "left" });
  deepStrictEqual(shown.map((line) => JSON.parse(line).text), ["a1", "a2", "hi", "b1", "hello"]);
});
