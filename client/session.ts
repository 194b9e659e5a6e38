/**
 * A member's life in a room over UDP: sends commands, receives events, pings, resends
 * unconfirmed messages, and ends when the user leaves, the room closes, the server removes us or
 * shuts down, or the server goes silent. The user interface sits on top and only sees events.
 *
 * @module
 */

import {
  type ClientCommand,
  decodeEvent,
  encodeClientDatagram,
  encodeCommand,
  encodeUtf8,
  type KaiwaEvent,
  MAX_EVENT_SIZE,
  maxMessageSize,
  NoticeCode,
  ProtocolError,
} from "../protocol/mod.ts";
import { Liveness, type LivenessConfig } from "./liveness.ts";
import { type ResendConfig, ResendQueue } from "./resend_queue.ts";

/** How a session ended. */
export type SessionEnd =
  | { kind: "left" }
  | { kind: "room-closed"; reason: number }
  | { kind: "removed"; reason: number }
  | { kind: "shutdown" }
  | { kind: "lost" };

/** Everything a session needs; the clock and timings are injectable for tests. */
export interface SessionOptions {
  /** The UDP socket, bound to the address the TCP exchange used. */
  socket: Deno.DatagramConn;
  /** The server's UDP address. */
  server: Deno.NetAddr;
  /** The room's name. */
  roomName: string;
  /** Our name in the room (how our own echoes are recognised). */
  username: string;
  /** The token the server issued. */
  token: string;
  /** The event handler; `self` is true for the echo of our own chat message. */
  onEvent: (event: KaiwaEvent, self: boolean) => void;
  /** Told when a message could not be delivered after every resend. */
  onUndelivered?: (text: string) => void;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** How often the session checks its timers. */
  tickMs?: number;
  /** Ping and silence timings. */
  liveness?: LivenessConfig;
  /** Resend timings. */
  resend?: ResendConfig;
}

/** What `say` did with a message. */
export type SayResult = "queued" | "empty" | "too-long";

const DEFAULT_TICK_MS = 200;
// One byte of each kaiwa datagram's message is the command byte.
const COMMAND_BYTE = 1;

/** A running session; call `run()` once and `say`/`who`/`leave` while it runs. */
export class ChatSession {
  readonly #options: SessionOptions;
  readonly #clock: () => number;
  readonly #roomName: Uint8Array;
  readonly #token: Uint8Array;
  readonly #resends: ResendQueue;
  readonly #liveness: Liveness;
  readonly #receiveBuffer = new Uint8Array(MAX_EVENT_SIZE + 1);
  #end: SessionEnd | null = null;
  #finish: (end: SessionEnd) => void = () => {};
  readonly #settleWaiters: { maxPending: number; resolve: () => void }[] = [];

  /** Prepares a session; nothing is sent until `run()`. */
  constructor(options: SessionOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#roomName = encodeUtf8(options.roomName);
    this.#token = encodeUtf8(options.token);
    this.#resends = new ResendQueue(options.resend);
    this.#liveness = new Liveness(this.#clock(), options.liveness);
  }

  /** The longest chat message, in UTF-8 bytes, that fits in one datagram. */
  get maxMessageBytes(): number {
    return maxMessageSize(this.#roomName.length, this.#token.length) - COMMAND_BYTE;
  }

  /** How long a silence from the server, in milliseconds, ends this session as lost. */
  get silenceLimitMs(): number {
    return this.#liveness.silenceLimitMs;
  }

  /** Messages sent but not yet confirmed by the server. */
  get pending(): number {
    return this.#resends.pending;
  }

  /** Runs until the session ends, then closes the socket and says why it ended. */
  async run(): Promise<SessionEnd> {
    const ended = new Promise<SessionEnd>((resolve) => this.#finish = resolve);
    const ticker = setInterval(() => this.#tick(), this.#options.tickMs ?? DEFAULT_TICK_MS);
    // The first ping both proves the binding to the server and makes it send the member list.
    this.#tick();
    const receiving = this.#receiveLoop();
    const end = await ended;
    clearInterval(ticker);
    this.#options.socket.close();
    await receiving;
    return end;
  }

  /** Queues a chat message; it is sent when the ones before it are confirmed. */
  say(text: string): SayResult {
    if (text.length === 0) return "empty";
    if (encodeUtf8(text).length > this.maxMessageBytes) return "too-long";
    this.#resends.enqueue(text);
    this.#pumpResends();
    return "queued";
  }

  /** Asks the server for the member list (answered by a Members event). */
  who(): void {
    this.#send({ type: "who" });
  }

  /**
   * Resolves once at most `maxPending` messages await confirmation, or the session has ended;
   * a producer awaits it before queueing more, so a large input is not read into memory at once.
   */
  settle(maxPending: number): Promise<void> {
    if (this.#end !== null || this.#resends.pending <= maxPending) return Promise.resolve();
    return new Promise((resolve) => this.#settleWaiters.push({ maxPending, resolve }));
  }

  /**
   * Leaves the room: first waits, up to `drainMs`, for queued messages to be confirmed, so that
   * input piped in just before the end is not lost; then tells the server and ends the session.
   */
  async leave(drainMs = 0): Promise<void> {
    if (drainMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.settle(0),
        new Promise<void>((resolve) => timer = setTimeout(resolve, drainMs)),
      ]);
      clearTimeout(timer);
    }
    if (this.#end !== null) return;
    await this.#send({ type: "leave" });
    this.#stop({ kind: "left" });
  }

  #tick(): void {
    if (this.#end !== null) return;
    const now = this.#clock();
    const liveness = this.#liveness.poll(now);
    if (liveness === "lost") return this.#stop({ kind: "lost" });
    if (liveness === "ping") this.#send({ type: "ping" });
    this.#pumpResends();
  }

  #pumpResends(): void {
    const action = this.#resends.poll(this.#clock());
    if (action === null) return;
    if (action.type === "send") {
      this.#send({ type: "chat", text: action.text });
      return;
    }
    this.#options.onUndelivered?.(action.text);
    this.#wakeSettled();
    this.#pumpResends();
  }

  #wakeSettled(): void {
    for (let i = this.#settleWaiters.length - 1; i >= 0; i--) {
      const waiter = this.#settleWaiters[i];
      if (this.#end !== null || this.#resends.pending <= waiter.maxPending) {
        this.#settleWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  async #send(command: ClientCommand): Promise<void> {
    const datagram = encodeClientDatagram(this.#roomName, this.#token, encodeCommand(command));
    try {
      await this.#options.socket.send(datagram, this.#options.server);
    } catch {
      // A failed send is a lost datagram: the resend queue resends chat, and silence ends the session.
    }
  }

  async #receiveLoop(): Promise<void> {
    const { socket, server } = this.#options;
    while (this.#end === null) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await socket.receive(this.#receiveBuffer);
      } catch {
        // The socket was closed by run(), or failed: either way the session is over.
        this.#stop({ kind: "lost" });
        return;
      }
      // The server is the one we sent to: its port, from whichever of its addresses it answers
      // (a multi-address host may answer from another one). Source addresses prove nothing over
      // UDP; the port keeps out strays, and the room's token, later cryptography, does the rest.
      if ((from as Deno.NetAddr).port !== server.port) continue;
      let event: KaiwaEvent;
      try {
        event = decodeEvent(data);
      } catch (error) {
        if (error instanceof ProtocolError) continue;
        throw error;
      }
      this.#handle(event);
    }
  }

  #handle(event: KaiwaEvent): void {
    const now = this.#clock();
    this.#liveness.heard(now);
    const self = event.type === "chat" && event.sender === this.#options.username;
    if (self && this.#resends.confirm(event.text)) {
      this.#wakeSettled();
      this.#pumpResends();
    }
    if (event.type === "notice" && event.code === NoticeCode.RateLimited) {
      this.#resends.rateLimited(now);
    }
    this.#options.onEvent(event, self);
    switch (event.type) {
      case "room-closed":
        return this.#stop({ kind: "room-closed", reason: event.reason });
      case "removed":
        return this.#stop({ kind: "removed", reason: event.reason });
      case "shutdown":
        return this.#stop({ kind: "shutdown" });
    }
  }

  #stop(end: SessionEnd): void {
    if (this.#end !== null) return;
    this.#end = end;
    this.#wakeSettled();
    this.#finish(end);
  }
}
