/**
 * The TCRP listener: accepts connections within the connection caps and serves each one.
 *
 * Over a cap, a connection is closed at once, before anything is read: no header means no
 * operation or room name to echo, so no status frame can be formed. Clients see the connection
 * close without an answer.
 *
 * With a TLS identity, an admitted connection's first bytes decide between TLS and plain TCRP
 * (sniff.ts). A TLS connection is incomplete, like any other, until its request is read: its
 * handshake counts against `maxIncompletePerIp` and runs within the header deadline.
 *
 * @module
 */

import { errorMessage } from "../../util/mod.ts";
import { sourceKey } from "../state/mod.ts";
import { isResourceExhaustion } from "./accept_errors.ts";
import { closeQuietly } from "./connection.ts";
import type { TlsOnDemand } from "../tls/mod.ts";
import { IncompleteConnections } from "./incomplete.ts";
import { serveConnection, type SessionContext } from "./session.ts";
import { openConnection } from "./sniff.ts";

/**
 * Pause after an accept failed for want of descriptors or memory: accept fails at once and again
 * until one is freed, and retrying without a pause would spin a core. No other failure pauses.
 */
const EXHAUSTED_RETRY_MS = 50;

/** What the front needs of a listener: `Deno.TcpListener`, or a fake in tests. */
export type Acceptor = Pick<Deno.TcpListener, "accept" | "close" | "addr">;

/** What the accept loop went through, for tests and operators. */
export interface AcceptCounters {
  /** Accepts that failed for one connection's reason (reset, aborted); none paused the loop. */
  connectionFailures: number;
  /** Accepts that failed because the process was out of descriptors or memory. */
  exhaustedFailures: number;
  /** Times the loop entered back-off (once per episode of exhaustion, not per failure). */
  backoffs: number;
}

/** The connection caps. */
export interface ConnectionLimits {
  /** Most concurrent connections. */
  readonly maxConnections: number;
  /** Most concurrent connections from one IPv4 address or IPv6 /64. */
  readonly maxConnectionsPerIp: number;
  /** Most concurrent connections from one IPv4 address or IPv6 /64 without a whole request. */
  readonly maxIncompletePerIp: number;
}

/** One admitted connection, as the front keeps it. */
interface Slot {
  readonly conn: Deno.Conn;
  readonly ip: string;
  /** What the per-IP caps count: the IPv4 address, or the IPv6 /64 (one host's share). */
  readonly source: string;
  /** Aborted when the front evicts the connection: a hash it waits for is then never started. */
  readonly evicted: AbortController;
}

/** Accepts and serves TCRP connections until closed. */
export class TcpFront {
  readonly #listener: Acceptor;
  readonly #ctx: SessionContext;
  readonly #limits: ConnectionLimits;
  readonly #tls: TlsOnDemand | null;
  readonly #perSource = new Map<string, number>();
  readonly #open = new Set<Slot>();
  readonly #incomplete = new IncompleteConnections<Slot>();
  #evictions = 0;
  readonly #sessions = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  readonly #counters: AcceptCounters = { connectionFailures: 0, exhaustedFailures: 0, backoffs: 0 };
  #closed = false;

  /**
   * Starts accepting on `listener`. With `tls`, connections that open with a TLS handshake are
   * served inside TLS, the others in plain TCRP; without it every connection is plain.
   */
  constructor(
    listener: Acceptor,
    ctx: SessionContext,
    limits: ConnectionLimits,
    tls: TlsOnDemand | null = null,
  ) {
    this.#listener = listener;
    this.#ctx = ctx;
    this.#limits = limits;
    this.#tls = tls;
    this.#loop = this.#accept();
  }

  /** The address the listener is bound to. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#open.size;
  }

  /** Connections open now that have not sent a whole request. */
  get incomplete(): number {
    return this.#incomplete.size;
  }

  /** Incomplete connections closed to make room for a newcomer, since the start. */
  get evictions(): number {
    return this.#evictions;
  }

  /** IP addresses with a connection open now: the per-IP count forgets the others. */
  get trackedIps(): number {
    return this.#perSource.size;
  }

  /** What the accept loop went through so far (a snapshot). */
  get acceptCounters(): AcceptCounters {
    return { ...this.#counters };
  }

  /** Stops accepting, closes every open connection and waits for their sessions to end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    await this.#loop;
    for (const slot of this.#open) closeQuietly(slot.conn);
    await Promise.all(this.#sessions);
  }

  async #accept(): Promise<void> {
    let exhausted = false;
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        if (!isResourceExhaustion(error)) {
          // One connection's failure (reset before accept completed): the next one is served at
          // once. Verbose: a reset flood must not become a log flood.
          this.#counters.connectionFailures += 1;
          this.#ctx.log.verbose(`accepting a connection failed: ${errorMessage(error)}`);
          continue;
        }
        this.#counters.exhaustedFailures += 1;
        if (!exhausted) {
          exhausted = true;
          this.#counters.backoffs += 1;
          this.#ctx.log.error(
            `cannot accept connections: ${errorMessage(error)}; retrying every ` +
              `${EXHAUSTED_RETRY_MS} ms until it recovers`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, EXHAUSTED_RETRY_MS));
        continue;
      }
      if (exhausted) {
        exhausted = false;
        this.#ctx.log.error("accepting connections again");
      }
      try {
        this.#admit(conn);
      } catch (error) {
        closeQuietly(conn);
        this.#ctx.faults.report("admitting a connection", error);
      }
    }
  }

  /**
   * Admits `conn` within the caps. An IP at its incomplete cap loses its oldest incomplete
   * connection; a full server loses the oldest incomplete connection of the IP holding the most,
   * so that stalled connections cannot keep a newcomer out. With none to evict, the newcomer is
   * refused.
   */
  #admit(conn: Deno.Conn): void {
    const ip = (conn.remoteAddr as Deno.NetAddr).hostname;
    const source = sourceKey(ip);
    if ((this.#perSource.get(source) ?? 0) >= this.#limits.maxConnectionsPerIp) {
      this.#refuse(conn, ip);
      return;
    }
    if (this.#incomplete.countOf(source) >= this.#limits.maxIncompletePerIp) {
      this.#evict(this.#incomplete.oldestFrom(source), "too many incomplete requests from its IP");
    }
    if (this.#open.size >= this.#limits.maxConnections) {
      this.#evict(this.#incomplete.oldestOfBusiest(), "the server is full");
    }
    if (this.#open.size >= this.#limits.maxConnections) {
      this.#refuse(conn, ip);
      return;
    }
    const slot: Slot = { conn, ip, source, evicted: new AbortController() };
    this.#perSource.set(source, (this.#perSource.get(source) ?? 0) + 1);
    this.#open.add(slot);
    this.#incomplete.add(slot);
    const session = this.#serve(slot).finally(() => {
      this.#release(slot);
      this.#sessions.delete(session);
    });
    this.#sessions.add(session);
  }

  /** Opens the connection (TLS or plain) and serves its TCRP session; never throws. */
  async #serve(slot: Slot): Promise<void> {
    let opened;
    try {
      opened = await openConnection(slot.conn, this.#tls, this.#ctx.headerTimeoutMs);
    } catch (error) {
      closeQuietly(slot.conn);
      this.#ctx.log.verbose(`connection from ${slot.ip} ended: ${errorMessage(error)}`);
      return;
    }
    if (opened === null) {
      closeQuietly(slot.conn);
      this.#ctx.log.verbose(`connection from ${slot.ip} ended before its first bytes`);
      return;
    }
    await serveConnection(opened.conn, slot.ip, this.#ctx, {
      evicted: slot.evicted.signal,
      requestRead: () => this.#incomplete.delete(slot),
      awaitingAnnouncement: () => this.#incomplete.add(slot),
      secure: opened.secure,
    });
  }

  #refuse(conn: Deno.Conn, ip: string): void {
    // Verbose and limited per IP: a connection flood must not become a log flood.
    this.#ctx.refusals.refused(
      ip,
      "verbose",
      `refused a connection from ${ip}: too many connections`,
    );
    closeQuietly(conn);
  }

  /** Closes an incomplete connection and frees its place at once, before its session ends. */
  #evict(slot: Slot | undefined, reason: string): void {
    if (slot === undefined) return;
    this.#evictions += 1;
    this.#ctx.refusals.refused(
      slot.ip,
      "verbose",
      `closed an incomplete connection from ${slot.ip}: ${reason}`,
    );
    this.#release(slot);
    slot.evicted.abort();
    closeQuietly(slot.conn);
  }

  /** Frees `slot`'s place in the counts; releasing it twice changes nothing. */
  #release(slot: Slot): void {
    this.#incomplete.delete(slot);
    if (!this.#open.delete(slot)) return;
    const left = (this.#perSource.get(slot.source) ?? 1) - 1;
    if (left === 0) this.#perSource.delete(slot.source);
    else this.#perSource.set(slot.source, left);
  }
}
