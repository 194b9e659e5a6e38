/**
 * The TCRP listener: accepts connections within the connection caps and serves each one.
 *
 * Over a cap, a connection is closed at once, before anything is read: no header means no
 * operation or room name to echo, so no status frame can be formed. Clients see the connection
 * close without an answer.
 *
 * @module
 */

import { errorMessage } from "../../util/mod.ts";
import { isResourceExhaustion } from "./accept_errors.ts";
import { closeQuietly } from "./connection.ts";
import { serveConnection, type SessionContext } from "./session.ts";

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
  /** Most concurrent connections from one IP address. */
  readonly maxConnectionsPerIp: number;
}

/** Accepts and serves TCRP connections until closed. */
export class TcpFront {
  readonly #listener: Acceptor;
  readonly #ctx: SessionContext;
  readonly #limits: ConnectionLimits;
  readonly #perIp = new Map<string, number>();
  readonly #open = new Set<Deno.Conn>();
  readonly #sessions = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  readonly #counters: AcceptCounters = { connectionFailures: 0, exhaustedFailures: 0, backoffs: 0 };
  #closed = false;

  /** Starts accepting on `listener`. */
  constructor(listener: Acceptor, ctx: SessionContext, limits: ConnectionLimits) {
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
    for (const conn of this.#open) closeQuietly(conn);
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
