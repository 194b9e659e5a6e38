/**
 * A member's life in a room over UDP: sends commands, receives events, pings, resends
 * unconfirmed messages, and ends when the user leaves, the room closes, the server removes us or
 * shuts down, or the server goes silent. A silent server is first rejoined (a TCRP join that
 * resumes our token, over a new socket): unconfirmed messages stay queued and are resent, and
 * only when the rejoins fail does the session end. Chat events are shown once each and in seq
 * order (`DeliveryOrder`: a reorder window, Nacks for holes, gaps reported); our messages carry
 * client message ids, so a resend is relayed once. The user interface sits on top and only sees
 * events.
 *
 * @module
 */

import {
  type ClientCommand,
  decodeEvent,
  encodeClientDatagram,
  encodeCommand,
  encodeUtf8,
  isSealed,
  type KaiwaEvent,
  MAX_DATAGRAM_SIZE,
  MAX_EVENT_SIZE,
  maxMessageSize,
  NoticeCode,
  ProtocolError,
  SEALED_OVERHEAD,
  type SealedChannel,
} from "../protocol/mod.ts";
import { DeliveryOrder, type DeliveryOrderConfig, type OrderedEvent } from "./delivery_order.ts";
import { ClientError } from "./errors.ts";
import { Liveness, type LivenessConfig } from "./liveness.ts";
import { type ResendConfig, ResendQueue } from "./resend_queue.ts";

/** How a session ended. */
export type SessionEnd =
  | { kind: "left" }
  | { kind: "room-closed"; reason: number }
  | { kind: "removed"; reason: number }
  | { kind: "shutdown" }
  /** The server went silent; `rejoinAttempts` rejoins (maybe 0) could not reach it either. */
  | { kind: "lost"; rejoinAttempts?: number }
  /** A rejoin found the room gone (the server restarted, or the room closed while we were away). */
  | { kind: "room-gone" }
  /** A rejoin was refused for another reason (a password now needed, the name taken). */
  | { kind: "rejoin-refused"; error: ClientError };

/** What a session talks over: a socket, the server's address, and our token. */
export interface SessionLink {
  /** The UDP socket, bound to the address the TCP exchange used; the session closes it. */
  socket: Deno.DatagramConn;
  /** The server's UDP address. */
  server: Deno.NetAddr;
  /** The token the server issued. */
  token: string;
  /** The session's channel, when one was granted (docs/protocol.md §7): datagrams are sealed. */
  channel?: SealedChannel | null;
}

/** Where a rejoin stands, for the user interface. */
export type RejoinState = "rejoining" | "back";

/**
 * When to try rejoining after the server went silent: at once, then after growing pauses;
 * five attempts over about 30 seconds (each may also wait up to the TCRP deadline).
 */
export const DEFAULT_REJOIN_DELAYS_MS: readonly number[] = [0, 2_000, 5_000, 10_000, 15_000];

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
  /** The session's channel, when one was granted: every datagram is then sealed both ways. */
  channel?: SealedChannel | null;
  /**
   * Re-enters the room over TCRP, resuming `token`; without it a silence ends the session.
   * @throws {ClientError} when the server is unreachable or refuses.
   */
  rejoin?: (token: string) => Promise<SessionLink>;
  /** Told when the session starts rejoining, and when it is back in the room. */
  onRejoin?: (state: RejoinState) => void;
  /** Pauses before each rejoin attempt; their count is the number of attempts. */
  rejoinDelaysMs?: readonly number[];
  /** Waits `ms` milliseconds (injectable, so tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The event handler; `self` is true for the echo of our own chat message (not for History).
   * Chat events come once each, in seq order, History first; a hole that could not be recovered
   * comes as a gap event. The flood limit's notice comes only when a message was really lost (not
   * while the resend queue still holds ours, which it sends again).
   */
  onEvent: (event: KaiwaEvent, self: boolean) => void;
  /** Told when a message could not be delivered after every resend. */
  onUndelivered?: (text: string) => void;
  /**
   * Told when the server confirmed one of our messages (one fewer is pending), at once: its echo
   * may be shown later (held for the ones before it) or not at all (seen before, as history).
   */
  onConfirmed?: () => void;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** How often the session checks its timers. */
  tickMs?: number;
  /** Ping and silence timings. */
  liveness?: LivenessConfig;
  /** Resend timings. */
  resend?: ResendConfig;
  /** Reorder window and Nack timings. */
  delivery?: DeliveryOrderConfig;
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
  #link: SessionLink;
  #token: Uint8Array;
  #dropped = 0;
  readonly #resends: ResendQueue;
  #liveness: Liveness;
  readonly #receiveBuffer = new Uint8Array(MAX_EVENT_SIZE + 1);
  /** Receive loops still running: the current socket's, and one closed by a rejoin. */
  readonly #receiving = new Set<Promise<void>>();
  #rejoining = false;
  #rejoinTask: Promise<void> = Promise.resolve();
  #end: SessionEnd | null = null;
  #finish: (end: SessionEnd) => void = () => {};
  /** Wakes a rejoin's pause when the session ends. */
  #wakeSleep: () => void = () => {};
  readonly #settleWaiters: { maxPending: number; resolve: () => void }[] = [];
  /** Chat in seq order; a new one when a rejoin makes us a new member (seqs may start again). */
  #order: DeliveryOrder;
  /** Ends a `leave` that waits for our messages to be confirmed. */
  #stopDraining: () => void = () => {};

  /** Prepares a session; nothing is sent until `run()`. */
  constructor(options: SessionOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#roomName = encodeUtf8(options.roomName);
    this.#link = {
      socket: options.socket,
      server: options.server,
      token: options.token,
      channel: options.channel ?? null,
    };
    this.#token = encodeUtf8(options.token);
    this.#resends = new ResendQueue(options.resend);
    this.#liveness = new Liveness(this.#clock(), options.liveness);
    this.#order = this.#newOrder();
  }

  /** An empty delivery order, showing through {@link ChatSession.#show}. */
  #newOrder(): DeliveryOrder {
    return new DeliveryOrder((event) => this.#show(event), this.#options.delivery);
  }

  /** The longest chat message, in UTF-8 bytes, that fits in one datagram. */
  get maxMessageBytes(): number {
    if (this.#link.channel) return MAX_DATAGRAM_SIZE - SEALED_OVERHEAD - COMMAND_BYTE;
    return maxMessageSize(this.#roomName.length, this.#token.length) - COMMAND_BYTE;
  }

  /** True while datagrams are sealed (a session was granted, docs/protocol.md §7). */
  get sealed(): boolean {
    return Boolean(this.#link.channel);
  }

  /**
   * Datagrams received and dropped: with a session, those not sealed or that failed to open
   * (forged, replayed, too old); without, those that are not kaiwa events.
   */
  get dropped(): number {
    return this.#dropped;
  }

  /** How long a silence from the server, in milliseconds, ends this session as lost. */
  get silenceLimitMs(): number {
    return this.#liveness.silenceLimitMs;
  }

  /** Messages sent but not yet confirmed by the server. */
  get pending(): number {
    return this.#resends.pending;
  }

  /** The texts of the messages not confirmed (yet), oldest first: after the end, undelivered. */
  get unconfirmed(): string[] {
    return this.#resends.texts;
  }

  /** Runs until the session ends, then closes the socket and says why it ended. */
  async run(): Promise<SessionEnd> {
    const ended = new Promise<SessionEnd>((resolve) => this.#finish = resolve);
    const ticker = setInterval(() => this.#tick(), this.#options.tickMs ?? DEFAULT_TICK_MS);
    // The first ping both binds our address (as the server sees it, through any NAT) and makes
    // the server send the member list.
    this.#tick();
    this.#startReceiving(this.#link.socket);
    const end = await ended;
    clearInterval(ticker);
    await this.#rejoinTask;
    closeQuietly(this.#link.socket);
    while (this.#receiving.size > 0) await Promise.all([...this.#receiving]);
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
   * Leaves the room: first waits, up to `drainMs` (by default for as long as it takes), for queued
   * messages to be confirmed, so that what was said before leaving is not lost; then tells the
   * server and ends the session. The wait also ends when the session does, when the resend queue
   * gives up on what is left, or when `leave(0)` is called meanwhile (leave now).
   */
  async leave(drainMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (drainMs <= 0) this.#stopDraining();
    if (drainMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.settle(0),
        new Promise<void>((resolve) => {
          this.#stopDraining = resolve;
          if (Number.isFinite(drainMs)) timer = setTimeout(resolve, drainMs);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.#end !== null) return;
    await this.#send({ type: "leave" });
    this.#stop({ kind: "left" });
  }

  #tick(): void {
    if (this.#end !== null || this.#rejoining) return;
    const now = this.#clock();
    const liveness = this.#liveness.poll(now);
    if (liveness === "lost") {
      if (this.#options.rejoin === undefined) return this.#stop({ kind: "lost" });
      this.#rejoinTask = this.#rejoin(this.#options.rejoin);
      return;
    }
    // Asking for the room's latest seq: a lost last message is then noticed (§3.2 tail loss).
    if (liveness === "ping") this.#send({ type: "ping", latest: true });
    for (const range of this.#order.poll(now)) this.#send({ type: "nack", ...range });
    this.#pumpResends();
  }

  /**
   * Rejoins after a silence: each attempt is a TCRP join resuming our token, over a new socket.
   * Unreachable or busy servers are tried again after a pause; a room that is gone, or any other
   * refusal, ends the session at once; so does the last failed attempt.
   */
  async #rejoin(rejoin: (token: string) => Promise<SessionLink>): Promise<void> {
    this.#rejoining = true;
    // The old path is dead: its socket goes, so nothing more is sent or received on it.
    closeQuietly(this.#link.socket);
    this.#options.onRejoin?.("rejoining");
    const delays = this.#options.rejoinDelaysMs ?? DEFAULT_REJOIN_DELAYS_MS;
    for (const delayMs of delays) {
      if (delayMs > 0) await this.#sleep(delayMs);
      if (this.#end !== null) return;
      let link: SessionLink;
      try {
        link = await rejoin(this.#link.token);
      } catch (error) {
        if (this.#end !== null) return;
        if (!(error instanceof ClientError)) continue;
        if (error.reason === "unreachable" || error.reason === "refused") continue;
        if (error.reason === "roomNotFound") return this.#stop({ kind: "room-gone" });
        return this.#stop({ kind: "rejoin-refused", error });
      }
      if (this.#end !== null) {
        closeQuietly(link.socket);
        return;
      }
      // Another token: the server no longer knew ours (it restarted, or timed us out) and took
      // us as a new member, maybe in a room made again whose seqs start again from 1: those
      // would all be dropped as seen already, and our echoes never confirm. What is held is shown
      // now, and the new membership is ordered, and confirmed, afresh.
      const renewed = link.token !== this.#link.token;
      if (renewed) {
        this.#order.flush(this.#clock());
        this.#order = this.#newOrder();
      }
      this.#link = link;
      this.#token = encodeUtf8(link.token);
      this.#liveness = new Liveness(this.#clock(), this.#options.liveness);
      this.#resends.restart(renewed);
      this.#rejoining = false;
      this.#options.onRejoin?.("back");
      this.#startReceiving(link.socket);
      // Pings at once (binding the new address) and resends what was not confirmed.
      this.#tick();
      return;
    }
    this.#stop({ kind: "lost", rejoinAttempts: delays.length });
  }

  #sleep(ms: number): Promise<void> {
    if (this.#options.sleep !== undefined) return this.#options.sleep(ms);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(), ms);
      this.#wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #pumpResends(): void {
    if (this.#rejoining) return;
    const action = this.#resends.poll(this.#clock(), this.#liveness.heardAt);
    if (action === null) return;
    if (action.type === "send") {
      this.#send({ type: "chat", text: action.text, id: action.id });
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
    const { socket, server, channel } = this.#link;
    const message = encodeCommand(command);
    const datagram = channel
      ? channel.seal(message)
      : encodeClientDatagram(this.#roomName, this.#token, message);
    try {
      await socket.send(datagram, server);
    } catch {
      // A failed send is a lost datagram: the resend queue resends chat, and silence ends the session.
    }
  }

  #startReceiving(socket: Deno.DatagramConn): void {
    const loop = this.#receiveLoop(socket).finally(() => this.#receiving.delete(loop));
    this.#receiving.add(loop);
  }

  async #receiveLoop(socket: Deno.DatagramConn): Promise<void> {
    const server = this.#link.server;
    while (this.#end === null) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await socket.receive(this.#receiveBuffer);
      } catch {
        // Closed by a rejoin (which now owns the session's fate), or by run(), or failed: then
        // the session is over.
        if (socket === this.#link.socket && !this.#rejoining) this.#stop({ kind: "lost" });
        return;
      }
      // The server is the one we sent to: its port, from whichever of its addresses it answers
      // (a multi-address host may answer from another one). Source addresses prove nothing over
      // UDP; the port keeps out strays, and the room's token, later cryptography, does the rest.
      if ((from as Deno.NetAddr).port !== server.port) continue;
      const bytes = this.#unseal(data);
      if (bytes === null) {
        this.#dropped += 1;
        continue;
      }
      let event: KaiwaEvent;
      try {
        event = decodeEvent(bytes);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.#dropped += 1;
        continue;
      }
      this.#handle(event);
    }
  }

  /**
   * The event bytes of a received datagram: opened when the session seals, as they are when it
   * does not; null when a sealed session received something that does not open (dropped).
   */
  #unseal(data: Uint8Array): Uint8Array | null {
    const channel = this.#link.channel;
    if (!channel) return data;
    if (!isSealed(data)) return null;
    const opened = channel.open(data);
    return typeof opened === "string" ? null : opened;
  }

  #handle(event: KaiwaEvent): void {
    const now = this.#clock();
    this.#liveness.heard(now);
    switch (event.type) {
      case "chat": {
        // A duplicate is shown once, but it may still confirm ours (the resend's answer to a
        // message whose first echo was lost, or shown as history after a rejoin); the queue
        // tells a new confirmation from a repeated one by its seq.
        this.#order.receive(event, now);
        if (this.#isSelf(event) && this.#resends.confirm(event.text, event.seq)) {
          this.#options.onConfirmed?.();
          this.#wakeSettled();
          this.#pumpResends();
        }
        return;
      }
      case "gap":
        return this.#order.gap(event.from, event.to, now);
      case "notice":
        if (event.code === NoticeCode.RateLimited) {
          this.#resends.rateLimited(now);
          // Ours are resent, so nothing of ours was lost: no need to say so.
          if (this.#resends.pending > 0) return;
        }
        return this.#order.other(event);
      case "room-closed":
        this.#order.other(event);
        return this.#stop({ kind: "room-closed", reason: event.reason });
      case "removed":
        this.#order.other(event);
        return this.#stop({ kind: "removed", reason: event.reason });
      case "shutdown":
        this.#order.other(event);
        return this.#stop({ kind: "shutdown" });
      case "pong":
        // The room's latest seq reveals a lost last message that no later one would (§3.2).
        if (event.latest !== undefined) this.#order.latest(event.latest, now);
        return this.#order.other(event);
      default:
        return this.#order.other(event);
    }
  }

  /** Shows what the delivery order lets through, in order. */
  #show(event: OrderedEvent): void {
    this.#options.onEvent(event, event.type === "chat" && this.#isSelf(event));
  }

  #isSelf(event: { sender: string; history?: boolean }): boolean {
    return event.sender === this.#options.username && event.history !== true;
  }

  #stop(end: SessionEnd): void {
    if (this.#end !== null) return;
    // What is held in the reorder window is shown before the end (holes as gaps).
    this.#order.flush(this.#clock());
    this.#end = end;
    this.#wakeSleep();
    this.#wakeSettled();
    this.#finish(end);
  }
}

function closeQuietly(socket: Deno.DatagramConn): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}
