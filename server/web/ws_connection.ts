/**
 * One WebSocket connection after its handshake: reads frames within the caps, answers pings and
 * the closing handshake, and writes text messages through a queue bounded in bytes. Every way it
 * ends (the peer, a broken rule, a cap, idleness, the server) ends it once, with
 * `onClose`.
 *
 * @module
 */

import { type ByteConn, writeAll } from "../../util/mod.ts";
import { TokenBucket } from "../state/mod.ts";
import { closeQuietly, Deadline, isConnectionError } from "../tcp/mod.ts";
import {
  checkClosePayload,
  CloseCode,
  encodeCloseFrame,
  encodeFrame,
  FrameDecoder,
  Opcode,
  WebSocketError,
} from "./ws_frame.ts";

/** The caps of one connection. */
export interface WebSocketLimits {
  /** Largest frame payload read. */
  readonly maxFrameBytes: number;
  /** Largest message read, fragments together. */
  readonly maxMessageBytes: number;
  /** Most bytes waiting to be written; a reader slower than that is closed. */
  readonly maxQueuedBytes: number;
  /** Messages (pings and Close included) per second the peer may send. */
  readonly messageRate: number;
  /** Messages the peer may send at once. */
  readonly messageBurst: number;
  /** Time without any frame from the peer after which the connection is closed. */
  readonly idleMs: number;
  /**
   * Milliseconds the closing handshake and the last writes may take: how long the server waits
   * for the peer's Close after sending its own, and for what is queued to be written before the
   * connection closes.
   */
  readonly closeWaitMs: number;
}

/** What a connection reports. */
export interface WebSocketHandlers {
  /** A text message arrived. */
  onText(text: string): void;
  /** The connection ended, for whatever reason; called once. */
  onClose(reason: string): void;
}

/** Bytes read from the connection at a time. */
const READ_SIZE = 16 * 1024;
const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** A server-side WebSocket over `conn`; start it with {@link run}. */
export class WebSocketConnection {
  readonly #conn: ByteConn & { close(): void };
  readonly #limits: WebSocketLimits;
  readonly #handlers: WebSocketHandlers;
  readonly #decoder: FrameDecoder;
  readonly #rate: TokenBucket;
  /** Closes the connection when the closing handshake (or the last writes) take too long. */
  readonly #closeWait: Deadline;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #now: () => number;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #flushing: Promise<void> | null = null;
  #closed = false;
  /** The peer's Close was read (ours answers or crossed it): reading stops (RFC 6455 §7.1.1). */
  #peerClosed = false;
  #reported = false;
  #closeReason = "closed by the peer";

  /** Wraps `conn`; nothing is read until {@link run}. */
  constructor(
    conn: ByteConn,
    limits: WebSocketLimits,
    handlers: WebSocketHandlers,
    now: () => number,
  ) {
    this.#conn = conn;
    this.#limits = limits;
    this.#handlers = handlers;
    this.#now = now;
    this.#decoder = new FrameDecoder(limits.maxFrameBytes, limits.maxMessageBytes);
    this.#rate = new TokenBucket(limits.messageRate, limits.messageBurst, now());
    this.#closeWait = new Deadline(conn);
  }

  /** True until the connection ended. */
  get open(): boolean {
    return !this.#closed;
  }

  /**
   * Reads until the connection ends; `early` are bytes already read after the handshake. Never
   * throws: how it ended goes to `onClose`.
   */
  async run(early: Uint8Array): Promise<void> {
    this.#restartIdle();
    const buffer = new Uint8Array(READ_SIZE);
    try {
      if (early.length > 0) this.#take(early);
      while (!this.#peerClosed) {
        const count = await this.#conn.read(buffer);
        if (count === null) break;
        this.#take(buffer.subarray(0, count));
      }
    } catch (error) {
      if (error instanceof WebSocketError) {
        this.close(error.code, error.message);
        // What the peer still sends is read and dropped until it closes (or the close wait
        // ends): closing with unread bytes would reset the connection before it reads the Close.
        await this.#discard(buffer);
      } else if (!isConnectionError(error)) this.#closeReason = `read failed: ${error}`;
    } finally {
      // What is queued (a Close frame, a last notice) goes out first, within the close wait.
      clearTimeout(this.#idleTimer);
      if (this.#flushing !== null) {
        this.#closeWait.restart(this.#limits.closeWaitMs);
        await this.#flushing;
      }
      this.#closeWait.clear();
      this.#end();
    }
  }

  /** Queues one text message; a peer too slow to take what is queued is closed. */
  sendText(text: string): void {
    this.#enqueue(encodeFrame(Opcode.Text, encoder.encode(text)));
  }

  /** Starts the closing handshake with `code` (its frame is the last one written). */
  close(code: CloseCode, reason: string): void {
    if (this.#closed) return;
    this.#closeReason = reason;
    this.#enqueue(encodeCloseFrame(code, reason));
    this.#closed = true;
    // The peer answers with its own Close, or the wait ends and the connection with it.
    this.#closeWait.restart(this.#limits.closeWaitMs);
  }

  /** A page silent for `idleMs` is told so and closed, as the member timeout removes a member. */
  #restartIdle(): void {
    clearTimeout(this.#idleTimer);
    if (this.#closed) return;
    this.#idleTimer = setTimeout(
      () => this.close(CloseCode.GoingAway, "idle for too long"),
      this.#limits.idleMs,
    );
  }

  async #discard(buffer: Uint8Array): Promise<void> {
    try {
      while (await this.#conn.read(buffer) !== null) { /* dropped */ }
    } catch {
      // The close wait closed it, or the peer did.
    }
  }

  #take(bytes: Uint8Array): void {
    for (const message of this.#decoder.push(bytes)) {
      this.#restartIdle();
      if (!this.#rate.take(this.#now())) {
        throw new WebSocketError(CloseCode.PolicyViolation, "too many messages");
      }
      switch (message.opcode) {
        case Opcode.Text: {
          let text;
          try {
            text = decoder.decode(message.payload);
          } catch {
            throw new WebSocketError(CloseCode.InvalidData, "text message is not UTF-8");
          }
          if (!this.#closed) this.#handlers.onText(text);
          break;
        }
        case Opcode.Binary:
          throw new WebSocketError(CloseCode.UnsupportedData, "binary messages are not spoken");
        case Opcode.Ping:
          this.#enqueue(encodeFrame(Opcode.Pong, message.payload));
          break;
        case Opcode.Close:
          if (this.#closed) {
            // The answer to our Close, or a Close that crossed it: the handshake is complete.
            // Reading stops; `run` writes what is still queued (our Close last, which a crossing
            // Close has not seen yet), within the close wait, and closes.
            this.#peerClosed = true;
            return;
          }
          // A bad code or reason is answered 1002 or 1007 (thrown), a good one 1000.
          checkClosePayload(message.payload);
          this.close(CloseCode.Normal, "closed by the peer");
          // Both Closes are said (ours is queued): the server MUST now close the TCP connection
          // itself, at once (RFC 6455 §7.1.1), not wait for the peer to; a browser waits for the
          // server, holding the connection (and its source's slot) meanwhile. So reading stops,
          // and `run` writes our Close, within the close wait, and closes. Bytes left unread would
          // make the close a reset that may lose our Close, but a peer sends no frame after its
          // own Close (§5.5.1): only one breaking that rule can lose it.
          this.#peerClosed = true;
          return;
      }
    }
  }

  #enqueue(frame: Uint8Array): void {
    if (this.#closed) return;
    if (this.#queuedBytes + frame.length > this.#limits.maxQueuedBytes) {
      // Nothing more can be said to it: it is reading too slowly to be a member.
      this.#closed = true;
      this.#closeReason = "too slow to read what it was sent";
      closeQuietly(this.#conn);
      return;
    }
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    this.#flushing ??= this.#flush();
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const frame = this.#queue.shift()!;
        await writeAll(this.#conn, frame);
        this.#queuedBytes -= frame.length;
      }
    } catch {
      // The peer went away: the read loop ends too.
      closeQuietly(this.#conn);
    } finally {
      this.#flushing = null;
    }
  }

  #end(): void {
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    closeQuietly(this.#conn);
    if (this.#reported) return;
    this.#reported = true;
    this.#handlers.onClose(this.#closeReason);
  }
}
