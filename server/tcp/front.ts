/**
 * The TCRP listener: accepts connections within the connection caps and serves each one.
 *
 * Over a cap, a connection is closed at once, before anything is read: no header means no
 * operation or room name to echo, so no status frame can be formed. Clients see the connection
 * close without an answer.
 *
 * @module
 */

import { closeQuietly } from "./connection.ts";
import { serveConnection, type SessionContext } from "./session.ts";

/**
 * Pause after a failed accept. Accept fails at once and again while the process is out of file
 * descriptors; retrying without a pause would spin a core until one is freed.
 */
const ACCEPT_RETRY_MS = 50;

/** The connection caps. */
export interface ConnectionLimits {
  /** Most concurrent connections. */
  readonly maxConnections: number;
  /** Most concurrent connections from one IP address. */
  readonly maxConnectionsPerIp: number;
}

/** Accepts and serves TCRP connections until closed. */
export class TcpFront {
  readonly #listener: Deno.TcpListener;
  readonly #ctx: SessionContext;
  readonly #limits: ConnectionLimits;
  readonly #perIp = new Map<string, number>();
  readonly #open = new Set<Deno.Conn>();
  readonly #sessions = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  #closed = false;

  /** Starts accepting on `listener`. */
  constructor(listener: Deno.TcpListener, ctx: SessionContext, limits: ConnectionLimits) {
    this.#listener = listener;
    this.#ctx = ctx;
    this.#limits = limits;
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

  /** IP addresses with a connection open now: the per-IP count forgets the others. */
  get trackedIps(): number {
    return this.#perIp.size;
  }

  /** Stops accepting, closes every open connection and waits for their sessions to end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    await this.#loop;
    for (const conn of this.#open) closeQuietly(conn);
    await Promise.all(this.#sessions);
  }

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        // Accept fails transiently (e.g. too many open files); keep serving the others.
        this.#ctx.faults.report("accepting a connection", error);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      try {
        this.#admit(conn);
      } catch (error) {
        closeQuietly(conn);
        this.#ctx.faults.report("admitting a connection", error);
      }
    }
  }

  #admit(conn: Deno.Conn): void {
    const ip = (conn.remoteAddr as Deno.NetAddr).hostname;
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (
      this.#open.size >= this.#limits.maxConnections || fromIp >= this.#limits.maxConnectionsPerIp
    ) {
      // Verbose: a connection flood must not become a log flood.
      this.#ctx.log.verbose(`refused a connection from ${ip}: too many connections`);
      closeQuietly(conn);
      return;
    }
    this.#perIp.set(ip, fromIp + 1);
    this.#open.add(conn);
    const session = serveConnection(conn, ip, this.#ctx).finally(() => {
      this.#open.delete(conn);
      const left = (this.#perIp.get(ip) ?? 1) - 1;
      if (left === 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, left);
      this.#sessions.delete(session);
    });
    this.#sessions.add(session);
  }
}
