/**
 * Replies from the address the client used, on a server bound to a wildcard address: one UDP
 * socket per local address, each bound exclusively (no `SO_REUSEADDR`, so no other local program
 * can share the port and take the datagrams). The system delivers a datagram to the socket bound
 * to the address it was sent to, and a reply sent on that socket leaves from that address; a
 * single wildcard socket's replies would leave from whatever address the routing table picks.
 *
 * @module
 */

import type { PeerAddress, UdpTransport } from "./transport.ts";

/**
 * A {@linkcode UdpTransport} over one transport per local address. A datagram for an address
 * with `via` goes out on the transport bound to that local address; any other on the first one.
 * Each per-address transport reports its datagrams with its local address
 * (`TransportEvents.received`'s `local`), which the state keeps as the member's `via`.
 */
export class MultiAddressTransport implements UdpTransport {
  readonly #first: UdpTransport;
  readonly #byLocal: Map<string, UdpTransport>;
  #closed = false;

  /** Serves the addresses of `byLocal` (at least one). */
  constructor(byLocal: Map<string, UdpTransport>) {
    const first = byLocal.values().next();
    if (first.done) throw new RangeError("Cannot serve no address: byLocal is empty");
    this.#first = first.value;
    this.#byLocal = byLocal;
  }

  /** The local addresses with a socket of their own. */
  get locals(): string[] {
    return [...this.#byLocal.keys()];
  }

  /** Serves one more local address (one that appeared after the start); ignored once closed. */
  add(local: string, transport: UdpTransport): void {
    if (this.#closed || this.#byLocal.has(local)) {
      void transport.close();
      return;
    }
    this.#byLocal.set(local, transport);
  }

  /** @inheritdoc */
  get addr(): Deno.NetAddr {
    return this.#first.addr;
  }

  /** @inheritdoc */
  get pending(): number {
    let pending = 0;
    for (const transport of this.#byLocal.values()) pending += transport.pending;
    return pending;
  }

  /** @inheritdoc */
  get dropped(): number {
    let dropped = 0;
    for (const transport of this.#byLocal.values()) dropped += transport.dropped;
    return dropped;
  }

  /** @inheritdoc */
  send(bytes: Uint8Array, address: PeerAddress, flow?: object): void {
    const transport = address.via === undefined ? undefined : this.#byLocal.get(address.via);
    (transport ?? this.#first).send(bytes, address, flow);
  }

  /** @inheritdoc */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.all([...this.#byLocal.values()].map((t) => t.drain(timeoutMs)));
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#byLocal.values()].map((t) => t.close()));
  }
}

/** True for the wildcard hosts, where the system picks each reply's source address. */
export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/**
 * The local addresses a server bound to the wildcard `host` gets a socket of its own for: the
 * interfaces' addresses of its family (IPv4 for `0.0.0.0`, IPv6 for `::`), link-local IPv6
 * addresses left out (they need a scope to bind).
 */
export function localAddressesFor(
  host: string,
  interfaces: readonly Deno.NetworkInterfaceInfo[],
): string[] {
  const family = host === "0.0.0.0" ? "IPv4" : "IPv6";
  const addresses = new Set<string>();
  for (const info of interfaces) {
    if (info.family !== family) continue;
    if (family === "IPv6" && info.address.toLowerCase().startsWith("fe80:")) continue;
    addresses.add(info.address);
  }
  return [...addresses];
}
