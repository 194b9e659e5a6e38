/**
 * TLS over a Deno connection, through Node's `node:tls`: Deno cannot start a server-side TLS
 * session on an accepted `Deno.Conn`, nor tell a client the certificate it was shown, and
 * `node:tls` does both over any byte stream. {@linkcode duplexOf} turns a connection into the
 * stream `TLSSocket` reads and writes; {@linkcode TlsConn} turns the `TLSSocket` back into the
 * `read`/`write`/`close` contract of a `Deno.Conn`, so TCRP code serves either alike.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { errorMessage } from "./errors.ts";
import { writeAll } from "./write_all.ts";

/** The part of a `Deno.Conn` that a TCRP exchange uses. */
export interface ByteConn {
  /** Reads into `buffer`; resolves with the count, or null at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`; resolves with how many it took. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the connection; any pending read or write fails. */
  close(): void;
}

/**
 * Bytes read from the connection at a time: one TLS record is at most 16 KiB plus its overhead
 * (RFC 8446 §5.2).
 */
const RAW_READ_SIZE = 16 * 1024 + 256;

/**
 * Decrypted bytes buffered before the TLS socket is paused: TCRP reads a request of at most a
 * few KiB, so more is never needed; a peer that sends more waits.
 */
const MAX_BUFFERED_BYTES = 64 * 1024;

/**
 * A Node stream over `conn`: it first yields `head` (bytes already read from `conn`, such as a
 * sniffed ClientHello), then what `conn` reads, one read at a time as the stream asks. Destroying
 * the stream closes `conn`.
 */
export function duplexOf(conn: ByteConn, head: Uint8Array = new Uint8Array(0)): Duplex {
  let pending: Uint8Array | null = head.length > 0 ? head : null;
  const buffer = new Uint8Array(RAW_READ_SIZE);
  const stream: Duplex = new Duplex({
    read() {
      if (pending !== null) {
        const first = pending;
        pending = null;
        stream.push(first);
        return;
      }
      conn.read(buffer).then(
        (count) => stream.push(count === null ? null : buffer.slice(0, count)),
        (error) => stream.destroy(error),
      );
    },
    write(chunk: Uint8Array, _encoding, done) {
      writeAll(conn, chunk).then(() => done(), done);
    },
    destroy(error, done) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      done(error);
    },
  });
  return stream;
}

/**
 * A TLS session as a {@linkcode ByteConn}. Every failure of the session (a bad handshake, a reset
 * underneath, a close) fails `read` and `write` with a `Deno.errors` connection error, as a
 * `Deno.Conn`'s would.
 */
export class TlsConn implements ByteConn {
  readonly #socket: TLSSocket;
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #failure: Error | null = null;
  #wake: (() => void) | null = null;

  /** Serves `socket`, which must not have been read from yet. */
  constructor(socket: TLSSocket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= MAX_BUFFERED_BYTES) socket.pause();
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (error: Error) => this.#fail(aborted(errorMessage(error))));
    socket.on("close", () => this.#fail(new Deno.errors.BadResource("TLS connection closed")));
  }

  /** Reads decrypted bytes into `buffer`; null once the peer ended the session. */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      if (this.#failure !== null) throw this.#failure;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#chunks[0];
    const count = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, count));
    if (count === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(count);
    this.#buffered -= count;
    if (this.#buffered < MAX_BUFFERED_BYTES && this.#socket.isPaused()) this.#socket.resume();
    return count;
  }

  /** Encrypts and sends all of `bytes`. */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (error) => {
        if (error) reject(aborted(errorMessage(error)));
        else resolve(bytes.length);
      });
    });
  }

  /** Ends the session and closes the connection under it; closing twice changes nothing. */
  close(): void {
    this.#fail(new Deno.errors.BadResource("TLS connection closed"));
    this.#socket.destroy();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

function aborted(reason: string): Error {
  return new Deno.errors.ConnectionAborted(`TLS: ${reason}`);
}
