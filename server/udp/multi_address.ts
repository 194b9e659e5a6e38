/**
 * Replies from the address the client used, on a server bound to a wildcard address: one more
 * socket per local address, on the same port. The system delivers a datagram to the socket bound
 * to the address it was sent to, and a reply sent on that socket leaves from that address;
 * replies on the wildcard socket would leave from whatever address the routing table picks.
 *
 * @module
 */

import type { PeerAddress, UdpTransport } from "./transport.ts";

/**
 * A {@linkcode UdpTransport} over a main (wildcard) transport and one transport per local
 * address. A datagram for an address with `via` goes out on the transport bound to that local
 * address; any other on the main one. Each per-address transport reports its datagrams with its
 * local address (`TransportEvents.received`'s `local`), which the state keeps as the member's
 * `via`.
 */
export class MultiAddressTransport implements UdpTransport {
  readonly #main: UdpTransport;
  readonly #byLocal: ReadonlyMap<string, UdpTransport>;

  /** Sends on `main`, or on the transport of `byLocal` named by an address's `via`. */
  constructor(main: UdpTransport, byLocal: ReadonlyMap<string, UdpTransport>) {
    this.#main = main;
    this.#byLocal = byLocal;
  }

  /** The local addresses with a socket of their own. */
  get locals(): string[] {
    return [...this.#byLocal.keys()];
  }

  /** @inheritdoc */
  get addr(): Deno.NetAddr {
    return this.#main.addr;
  }

  /** @inheritdoc */
  get pending(): number {
    let pending = this.#main.pending;
    for (const transport of this.#byLocal.values()) pending += transport.pending;
    return pending;
  }

  /** @inheritdoc */
  get dropped(): number {
    let dropped = this.#main.dropped;
    for (const transport of this.#byLocal.values()) dropped += transport.dropped;
    return dropped;
  }

  /** @inheritdoc */
  send(bytes: Uint8Array, address: PeerAddress, flow?: object): void {
    const transport = address.via === undefined ? undefined : this.#byLocal.get(address.via);
    (transport ?? this.#main).send(bytes, address, flow);
  }

  /** @inheritdoc */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.all([this.#main, ...this.#byLocal.values()].map((t) => t.drain(timeoutMs)));
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    await Promise.all([this.#main, ...this.#byLocal.values()].map((t) => t.close()));
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
