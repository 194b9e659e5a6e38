/**
 * `WebSocketConnection` over a fake connection: the closing handshake ends the TCP connection
 * as RFC 6455 §7.1.1 asks of a server, whoever started it, without waiting for the peer to close.
 *
 * @module
 */

import { deepStrictEqual, ok } from "node:assert/strict";
import { CloseCode, Opcode } from "../server/web/ws_frame.ts";
import { WebSocketConnection, type WebSocketLimits } from "../server/web/ws_connection.ts";
import type { ByteConn } from "../util/mod.ts";
import { RECEIVE_TIMEOUT_MS } from "./server_helpers.ts";
import { maskedFrame } from "./web_helpers.ts";

const HOUR_MS = 60 * 60 * 1000;

/**
 * The web port's caps, but with an hour-long close wait (and idle time): a connection that ends
 * within the test's bound ended on the handshake, not on the wait.
 */
const LIMITS: WebSocketLimits = {
  maxFrameBytes: 16 * 1024,
  maxMessageBytes: 16 * 1024,
  maxQueuedBytes: 256 * 1024,
  messageRate: 10,
  messageBurst: 20,
  idleMs: HOUR_MS,
  closeWaitMs: HOUR_MS,
};

/**
 * A peer that never closes: reads hand out the bytes it is given, then wait until more come or
 * the connection is closed (which fails them, as a `Deno.Conn`'s would); writes are recorded.
 */
class FakeConn implements ByteConn {
  readonly written: number[] = [];
  closes = 0;
  readonly #incoming: Uint8Array[] = [];
  #wake: (() => void) | null = null;
  /** Writes waiting for the peer to read (while it reads nothing, {@link stall}). */
  #stalled: { bytes: Uint8Array; resolve: () => void; reject: (error: Error) => void }[] = [];
  #stalling = false;

  /** The peer stops reading: writes wait, until {@link unstall} (or fail when closed). */
  stall(): void {
    this.#stalling = true;
  }

  /** The peer reads again: the writes waiting go through, in order. */
  unstall(): void {
    this.#stalling = false;
    for (const { bytes, resolve } of this.#stalled.splice(0)) {
      this.written.push(...bytes);
      resolve();
    }
  }

  /** Bytes from the peer, for the next reads. */
  deliver(bytes: Uint8Array): void {
    this.#incoming.push(bytes);
    this.#notify();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#incoming.length === 0) {
      if (this.closes > 0) throw new Deno.errors.BadResource("closed");
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const bytes = this.#incoming.shift()!;
    buffer.set(bytes);
    return bytes.length;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.closes > 0) return Promise.reject(new Deno.errors.BadResource("closed"));
    if (this.#stalling) {
      return new Promise((resolve, reject) => {
        this.#stalled.push({ bytes, resolve: () => resolve(bytes.length), reject });
      });
    }
    this.written.push(...bytes);
    return Promise.resolve(bytes.length);
  }

  close(): void {
    this.closes++;
    for (const { reject } of this.#stalled.splice(0)) reject(new Deno.errors.BadResource("closed"));
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** The frames the server wrote (unmasked, payloads under 126 bytes), as opcode and payload. */
function framesOf(bytes: number[]): { opcode: number; payload: number[] }[] {
  const frames = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes[at + 1];
    ok(length < 126, "a short frame");
    frames.push({ opcode: bytes[at] & 0x0f, payload: bytes.slice(at + 2, at + 2 + length) });
    at += 2 + length;
  }
  return frames;
}

/** The close code of a Close frame's payload. */
function codeOf(payload: number[]): number {
  return (payload[0] << 8) | payload[1];
}

/** A WebSocket over a fake peer, recording what it reports. */
function socketOver(conn: FakeConn, limits = LIMITS) {
  const closes: string[] = [];
  const socket = new WebSocketConnection(conn, limits, {
    onText: () => {},
    onClose: (reason) => closes.push(reason),
  }, Date.now);
  return { socket, closes };
}

/**
 * Waits for `run` for at most {@linkcode RECEIVE_TIMEOUT_MS}; when it has not ended by then, the
 * peer closes (so the test leaks nothing) and the test fails.
 */
async function ends(run: Promise<void>, conn: FakeConn, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), RECEIVE_TIMEOUT_MS);
  });
  try {
    const ended = await Promise.race([run.then(() => true), bound]);
    if (!ended) {
      conn.close();
      await run;
    }
    ok(ended, `${what} within ${RECEIVE_TIMEOUT_MS} ms, the peer still connected`);
  } finally {
    clearTimeout(timer);
  }
}

const CLOSE_1000 = maskedFrame(Opcode.Close, [0x03, 0xe8]);

/** Resolves once every microtask queued so far has run: what a delivered read led to is done. */
function settled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("a peer's Close is answered and the server closes the connection at once", async (t) => {
  for (const early of [false, true]) {
    await t.step(early ? "the Close came with the handshake" : "the Close is read", async () => {
      const conn = new FakeConn();
      const { socket, closes } = socketOver(conn);
      if (!early) conn.deliver(CLOSE_1000);
      await ends(socket.run(early ? CLOSE_1000 : new Uint8Array(0)), conn, "run() ended");
      const frames = framesOf(conn.written);
      const last = frames.at(-1);
      deepStrictEqual(last?.opcode, Opcode.Close);
      deepStrictEqual(codeOf(last.payload), CloseCode.Normal);
      deepStrictEqual(closes, ["closed by the peer"]);
      ok(conn.closes > 0, "the server closed the connection");
      ok(!socket.open);
    });
  }
});

Deno.test("a Close the server started ends the connection at the peer's answer", async () => {
  const conn = new FakeConn();
  const { socket, closes } = socketOver(conn);
  const run = socket.run(new Uint8Array(0));
  socket.close(CloseCode.GoingAway, "shutting down");
  conn.deliver(CLOSE_1000);
  await ends(run, conn, "run() ended");
  const frames = framesOf(conn.written);
  deepStrictEqual(frames.map((frame) => frame.opcode), [Opcode.Close]);
  deepStrictEqual(codeOf(frames[0].payload), CloseCode.GoingAway);
  deepStrictEqual(closes, ["shutting down"]);
  ok(conn.closes > 0, "the server closed the connection");
});

Deno.test("Closes crossing while writes wait: what is queued, our Close last, goes out", async () => {
  const conn = new FakeConn();
  const { socket, closes } = socketOver(conn);
  const run = socket.run(new Uint8Array(0));
  conn.stall();
  socket.sendText("bye");
  socket.close(CloseCode.GoingAway, "shutting down");
  // The peer's Close crosses ours, which is still queued behind the text: not an answer to it.
  conn.deliver(CLOSE_1000);
  await settled();
  conn.unstall();
  await ends(run, conn, "run() ended");
  const frames = framesOf(conn.written);
  deepStrictEqual(frames.map((frame) => frame.opcode), [Opcode.Text, Opcode.Close]);
  deepStrictEqual(codeOf(frames[1].payload), CloseCode.GoingAway);
  deepStrictEqual(closes, ["shutting down"]);
  ok(conn.closes > 0, "the server closed the connection");
});

Deno.test("a peer's Close behind a backlog it never reads: closed by the close wait", async () => {
  const conn = new FakeConn();
  const { socket, closes } = socketOver(conn, { ...LIMITS, closeWaitMs: 50 });
  const run = socket.run(new Uint8Array(0));
  conn.stall();
  socket.sendText("never read");
  conn.deliver(CLOSE_1000);
  // The peer reads nothing more: only the close wait can end the connection.
  await ends(run, conn, "run() ended");
  deepStrictEqual(closes, ["closed by the peer"]);
  ok(conn.closes > 0, "the server closed the connection");
  ok(!socket.open);
});
