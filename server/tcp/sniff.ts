/**
 * The first bytes of a connection decide how it is served (docs/protocol.md §2.8): a TLS
 * ClientHello starts a TLS session whose bytes are TCRP, anything else is plain TCRP, as standard
 * clients speak it.
 *
 * @module
 */

import { startsTlsHandshake, TLS_SNIFF_SIZE } from "../../protocol/mod.ts";
import type { ByteConn } from "../../util/mod.ts";
import type { TlsOnDemand } from "../tls/mod.ts";
import { closeQuietly, Deadline } from "./connection.ts";

/** A connection ready for TCRP. */
export interface OpenedConnection {
  /** Where TCRP is read and written: the TLS session, or the connection itself. */
  readonly conn: ByteConn;
  /** True when TCRP runs inside TLS. */
  readonly secure: boolean;
}

/**
 * Reads the first bytes of `conn` within `deadlineMs` and opens it for TCRP: inside TLS when they
 * start a handshake, else plain with those bytes read again first. With no `tls` nothing is
 * sniffed: every connection is plain. Resolves null when the connection ended (or the deadline
 * closed it) before the first bytes, or the deadline closed it while TLS loaded; other read
 * failures, and a failed load of TLS, reject.
 */
export async function openConnection(
  conn: Deno.Conn,
  tls: TlsOnDemand | null,
  deadlineMs: number,
): Promise<OpenedConnection | null> {
  if (tls === null) return { conn, secure: false };
  const deadline = new Deadline(conn);
  deadline.restart(deadlineMs);
  try {
    const head = await readHead(conn);
    if (head === null) return null;
    if (!startsTlsHandshake(head)) return { conn: new PrefixedConn(conn, head), secure: false };
    // The first TLS connection waits for TLS to load: within the deadline too, so that a load
    // slow on a loaded machine keeps no ClientHello's connection open longer than a stalled one.
    const session = await tls.accept(conn, head);
    if (!deadline.expired) return { conn: session, secure: true };
    closeQuietly(session);
    return null;
  } catch (error) {
    if (deadline.expired) return null;
    throw error;
  } finally {
    deadline.clear();
  }
}

/** Reads `TLS_SNIFF_SIZE` bytes, or fewer when the connection ends first; null when none came. */
async function readHead(conn: Deno.Conn): Promise<Uint8Array | null> {
  const head = new Uint8Array(TLS_SNIFF_SIZE);
  let filled = 0;
  while (filled < head.length) {
    const count = await conn.read(head.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return filled === 0 ? null : head.subarray(0, filled);
}

/** A connection whose first bytes were already read: they are read again first. */
class PrefixedConn implements ByteConn {
  #head: Uint8Array | null;

  constructor(readonly conn: Deno.Conn, head: Uint8Array) {
    this.#head = head;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    const head = this.#head;
    if (head === null) return this.conn.read(buffer);
    const count = Math.min(head.length, buffer.length);
    buffer.set(head.subarray(0, count));
    this.#head = count === head.length ? null : head.subarray(count);
    return Promise.resolve(count);
  }

  write(bytes: Uint8Array): Promise<number> {
    return this.conn.write(bytes);
  }

  close(): void {
    this.conn.close();
  }
}
