/**
 * A loopback NAT for end-to-end tests. It listens on one port number for TCP and UDP (as
 * `kaiwa join` expects of its server) and forwards both to the server:
 *
 * - TCP: each connection is spliced to the server's TCP port.
 * - UDP, client → server: sent from an outward socket of the proxy's own, one per client address,
 *   so the server sees another source port than the client's (a port-translating NAT).
 * - UDP, server → client: what reaches an outward socket goes back to its client, from the
 *   listening socket, or from a socket on `replyHost` at the same port (a multi-address server
 *   answering from another of its addresses).
 *
 * `rebind()` moves every client to a fresh outward socket (a NAT timeout, Wi-Fi roaming): the
 * server sees a new source port, and what it still sends to the old one is lost, as it is behind
 * a real NAT (the old socket stays open and discards, so the server gets no ICMP either).
 * Datagrams can be dropped (seeded PRNG), duplicated and delayed by a random time (which reorders
 * them). Loopback only, bounded: at most `MAX_MAPPINGS` clients and `MAX_OLD_SOCKETS` rebinds.
 *
 * @module
 */

import type { ServeOptions, ServerDeps } from "../server/mod.ts";
import { mulberry32 } from "./prng.ts";
import { startTestServer, type TestServer } from "./server_helpers.ts";

/** How the proxy behaves. */
export interface NatProxyOptions {
  /** The server's address (TCP and UDP on one port). */
  target: { hostname: string; port: number };
  /** Where the proxy listens for clients (TCP and UDP). Default 127.0.0.1. */
  listenHost?: string;
  /** The address replies to clients come from, at the proxy's port. Default: `listenHost`. */
  replyHost?: string;
  /** Probability, 0–1, that a datagram (either way) is dropped. Default 0. */
  dropRate?: number;
  /**
   * Drop a datagram (the same bytes, the same way) at most once: its retransmissions get through.
   * The PRNG draws in arrival order, which timing decides, so which datagrams drop differs from run
   * to run; with this a loss is always recoverable by a retry, and a test can assert that every
   * loss is recovered rather than that no datagram was lost five times in a row. Default false.
   */
  dropOnce?: boolean;
  /** Seed of the drop and delay PRNG, so a failing run can be replayed. Default 1. */
  seed?: number;
  /** Send every datagram twice. Default false. */
  duplicate?: boolean;
  /** Delay each datagram by a random 0..delayMs milliseconds (reorders them). Default 0. */
  delayMs?: number;
}

/** Counters, for assertions. */
export interface NatProxyStats {
  /** Datagrams forwarded client → server. */
  toServer: number;
  /** Datagrams forwarded server → client. */
  toClient: number;
  /** Datagrams dropped by `dropRate` or {@link NatProxy.dropFirst}. */
  dropped: number;
  /** Datagrams the server sent to an outward socket abandoned by `rebind()`. */
  lostReplies: number;
}

/** Which way a datagram goes through the proxy. */
export type Direction = "toServer" | "toClient";

/** How many clients one proxy maps; more are dropped. */
export const MAX_MAPPINGS = 16;
/** How many abandoned outward sockets one proxy keeps (each `rebind()` abandons one per client). */
export const MAX_OLD_SOCKETS = 64;
/** How many dropped datagrams `dropOnce` remembers; past it, it starts again. */
const MAX_REMEMBERED_DROPS = 100_000;
const MAX_DATAGRAM = 65_536;
const BIND_TRIES = 20;

interface Mapping {
  client: Deno.NetAddr;
  outward: Deno.DatagramConn;
}

/** A running proxy; `await using` closes it. */
export class NatProxy {
  readonly #options: NatProxyOptions;
  readonly #listener: Deno.Listener;
  readonly #inbound: Deno.DatagramConn;
  readonly #replies: Deno.DatagramConn;
  readonly #mappings = new Map<string, Mapping>();
  readonly #abandoned = new Set<Deno.DatagramConn>();
  readonly #loops = new Set<Promise<void>>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #conns = new Set<Deno.Conn>();
  readonly #random: () => number;
  /** Direction and bytes of the datagrams dropped so far (with `dropOnce`). */
  readonly #dropped = new Set<string>();
  #closed = false;
  /** The drop probability now: `dropRate` at the start, changed with {@link dropRate}. */
  #dropRate: number;
  /** Datagrams to drop, each the first forwarded its way that matches (see {@link dropFirst}). */
  readonly #targets: { direction: Direction; matches: (data: Uint8Array) => boolean }[] = [];
  /** What the proxy did so far. */
  readonly stats: NatProxyStats = { toServer: 0, toClient: 0, dropped: 0, lostReplies: 0 };

  /** Starts a proxy on a free port, the same number for TCP and UDP (and `replyHost`). */
  static start(options: NatProxyOptions): NatProxy {
    const host = options.listenHost ?? "127.0.0.1";
    for (let i = 0; i < BIND_TRIES; i++) {
      const inbound = Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
      const port = (inbound.addr as Deno.NetAddr).port;
      let listener: Deno.Listener | undefined;
      try {
        listener = Deno.listen({ hostname: host, port });
        const replies = options.replyHost === undefined || options.replyHost === host
          ? inbound
          : Deno.listenDatagram({ transport: "udp", hostname: options.replyHost, port });
        return new NatProxy(options, listener, inbound, replies);
      } catch (error) {
        listener?.close();
        inbound.close();
        if (!(error instanceof Deno.errors.AddrInUse)) throw error;
      }
    }
    throw new Error("NatProxy: no port free for both TCP and UDP");
  }

  private constructor(
    options: NatProxyOptions,
    listener: Deno.Listener,
    inbound: Deno.DatagramConn,
    replies: Deno.DatagramConn,
  ) {
    this.#options = options;
    this.#listener = listener;
    this.#inbound = inbound;
    this.#replies = replies;
    this.#random = mulberry32(options.seed ?? 1);
    this.#dropRate = options.dropRate ?? 0;
    this.#track(this.#acceptLoop());
    this.#track(this.#inboundLoop());
    if (replies !== inbound) this.#track(this.#discardLoop(replies));
  }

  /** The port clients connect and send to (TCP and UDP). */
  get port(): number {
    return (this.#inbound.addr as Deno.NetAddr).port;
  }

  /**
   * Changes the drop probability for the datagrams from now on: a test can let a join and its
   * first exchange through whole, and lose only what follows (a loss there may be one no later
   * datagram reveals, so that no retry could be asked for).
   */
  set dropRate(rate: number) {
    this.#dropRate = rate;
  }

  /**
   * Drops the first datagram forwarded `direction` for which `matches` is true, and only that
   * one (counted in `stats.dropped`): a test loses a chosen datagram, such as a room's last
   * message before a silence, whatever the timing.
   */
  dropFirst(direction: Direction, matches: (data: Uint8Array) => boolean): void {
    this.#targets.push({ direction, matches });
  }

  /** The outward UDP port the server currently sees for each client, in mapping order. */
  get outwardPorts(): number[] {
    return [...this.#mappings.values()].map((m) => (m.outward.addr as Deno.NetAddr).port);
  }

  /**
   * Moves every client to a fresh outward socket, on `outwardHost` (127.0.0.1 by default; another
   * loopback address such as 127.0.0.2 changes the source IP the server sees too, as a move to
   * another network does); replies to the old sockets are lost.
   */
  rebind(outwardHost = "127.0.0.1"): void {
    for (const mapping of this.#mappings.values()) {
      if (this.#abandoned.size >= MAX_OLD_SOCKETS) throw new Error("NatProxy: too many rebinds");
      const old = mapping.outward;
      this.#abandoned.add(old);
      mapping.outward = this.#openOutward(mapping, outwardHost);
    }
  }

  /** Stops everything and waits for every loop to end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listener.close();
    this.#inbound.close();
    if (this.#replies !== this.#inbound) this.#replies.close();
    for (const mapping of this.#mappings.values()) mapping.outward.close();
    for (const socket of this.#abandoned) socket.close();
    for (const conn of this.#conns) closeQuietly(conn);
    while (this.#loops.size > 0) await Promise.all([...this.#loops]);
  }

  /** Closes the proxy. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #track(loop: Promise<void>): void {
    const tracked = loop.catch(() => {}).finally(() => this.#loops.delete(tracked));
    this.#loops.add(tracked);
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return;
      }
      this.#track(this.#splice(conn));
    }
  }

  async #splice(client: Deno.Conn): Promise<void> {
    this.#conns.add(client);
    let server: Deno.Conn | undefined;
    try {
      server = await Deno.connect(this.#options.target);
      this.#conns.add(server);
      const up = client.readable.pipeTo(server.writable).catch(() => {});
      const down = server.readable.pipeTo(client.writable).catch(() => {});
      // Either side ending ends the splice; the other pipe then fails and ends too.
      await Promise.race([up, down]);
      closeQuietly(client);
      closeQuietly(server);
      await Promise.all([up, down]);
    } catch {
      // The server refused or a side reset: the splice ends.
    } finally {
      for (const conn of [client, server]) {
        if (conn === undefined) continue;
        this.#conns.delete(conn);
        closeQuietly(conn);
      }
    }
  }

  async #inboundLoop(): Promise<void> {
    const buffer = new Uint8Array(MAX_DATAGRAM);
    for (;;) {
      let data: Uint8Array;
      let from: Deno.NetAddr;
      try {
        const [received, addr] = await this.#inbound.receive(buffer);
        data = received.slice();
        from = addr as Deno.NetAddr;
      } catch {
        return;
      }
      const mapping = this.#mappingFor(from);
      if (mapping === null) continue;
      this.#forward(data, () => mapping.outward, this.#options.target, "toServer");
    }
  }

  #mappingFor(client: Deno.NetAddr): Mapping | null {
    const key = `${client.hostname}:${client.port}`;
    const known = this.#mappings.get(key);
    if (known !== undefined) return known;
    if (this.#mappings.size >= MAX_MAPPINGS) return null;
    const mapping: Mapping = { client, outward: undefined as unknown as Deno.DatagramConn };
    mapping.outward = this.#openOutward(mapping);
    this.#mappings.set(key, mapping);
    return mapping;
  }

  #openOutward(mapping: Mapping, hostname = "127.0.0.1"): Deno.DatagramConn {
    const outward = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
    this.#track(this.#outwardLoop(outward, mapping));
    return outward;
  }

  async #outwardLoop(outward: Deno.DatagramConn, mapping: Mapping): Promise<void> {
    const buffer = new Uint8Array(MAX_DATAGRAM);
    for (;;) {
      let data: Uint8Array;
      try {
        [data] = await outward.receive(buffer);
        data = data.slice();
      } catch {
        return;
      }
      if (mapping.outward !== outward) {
        this.stats.lostReplies++;
        continue;
      }
      this.#forward(data, () => this.#replies, mapping.client, "toClient");
    }
  }

  async #discardLoop(socket: Deno.DatagramConn): Promise<void> {
    for (;;) {
      try {
        await socket.receive();
      } catch {
        return;
      }
    }
  }

  /** False for a datagram `dropOnce` dropped before; remembers the ones it drops. */
  #mayDrop(data: Uint8Array, direction: string): boolean {
    if (this.#options.dropOnce !== true) return true;
    const key = `${direction} ${data.toHex()}`;
    if (this.#dropped.has(key)) return false;
    if (this.#dropped.size >= MAX_REMEMBERED_DROPS) this.#dropped.clear();
    this.#dropped.add(key);
    return true;
  }

  /** Drops, delays and duplicates as configured; `via` is read at send time (after a delay). */
  #forward(
    data: Uint8Array,
    via: () => Deno.DatagramConn,
    to: { hostname: string; port: number },
    counter: Direction,
  ): void {
    const target = this.#targets.findIndex((t) => t.direction === counter && t.matches(data));
    if (target >= 0) {
      this.#targets.splice(target, 1);
      this.stats.dropped++;
      return;
    }
    const copies = this.#options.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.#random() < this.#dropRate && this.#mayDrop(data, counter)) {
        this.stats.dropped++;
        continue;
      }
      const send = () => {
        if (this.#closed) return;
        this.stats[counter]++;
        this.#track(via().send(data, { transport: "udp", ...to }).then(() => {}));
      };
      const delayMs = this.#options.delayMs ?? 0;
      if (delayMs <= 0) {
        send();
        continue;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        send();
      }, Math.floor(this.#random() * delayMs));
      this.#timers.add(timer);
    }
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** How the server behind a proxy is started: startTestServer's options and dependencies. */
export interface ProxiedServer {
  readonly options?: Partial<ServeOptions>;
  readonly deps?: ServerDeps;
}

/**
 * Runs `fn` with a quiet test server (as `server` says) and a proxy in front of it (as
 * `proxyOptions` say); both are closed at the end.
 */
export async function withProxy(
  server: ProxiedServer,
  proxyOptions: Omit<NatProxyOptions, "target">,
  fn: (test: TestServer, proxy: NatProxy) => Promise<void>,
): Promise<void> {
  const test = await startTestServer({ logLevel: "quiet", ...server.options }, server.deps);
  const proxy = NatProxy.start({
    target: { hostname: "127.0.0.1", port: test.tcpPort },
    ...proxyOptions,
  });
  try {
    await fn(test, proxy);
  } finally {
    await proxy.close();
    await test.server.close();
  }
}
