/**
 * The Stage 1 lobby's memory: which addresses have spoken recently, so the lobby knows whom to
 * relay to, and how many bytes each may still be sent. Pure: the lobby socket drives it with the
 * current time.
 *
 * A Stage 1 source address is never verified (the protocol has no handshake), so anyone can make
 * any address a lobby client by spoofing one datagram from it. Two limits keep the lobby from
 * being a reflector (docs/protocol.md §5):
 * - each client has a **byte credit**: every datagram it sends credits it
 *   {@linkcode LOBBY_REFLECTION_FACTOR} times its size, and every datagram relayed to it spends its
 *   size; a relay its credit does not cover is skipped. An address therefore never receives more
 *   than 3× the bytes sent from it, spoofed or not;
 * - at most {@linkcode MAX_LOBBY_CLIENTS_PER_NETWORK} clients per IPv4 address or IPv6 /64, so
 *   that one host cannot fill the lobby.
 *
 * @module
 */

import { MS_PER_SECOND } from "../../util/mod.ts";
import type { UdpAddress } from "./room.ts";

/**
 * Most clients the lobby remembers. Any source address becomes a client by sending one
 * datagram, so without a cap a stream of spoofed sources would grow the map for a whole timeout.
 */
export const MAX_LOBBY_CLIENTS = 4096;

/**
 * Bytes relayed to a client per byte it sent. An unverified address must not be sent much more
 * than it sent (the usual bound for a UDP service that cannot verify its peers is the size of the
 * request); 3 lets a client that sends short lines read a conversation of longer ones.
 */
export const LOBBY_REFLECTION_FACTOR = 3;

/**
 * Most clients from one IPv4 address or one IPv6 /64 (what one host or one site usually gets).
 * Several people behind one NAT still fit; one host spoofing ports of one address does not fill
 * the lobby.
 */
export const MAX_LOBBY_CLIENTS_PER_NETWORK = 16;

/** IPv6 has 8 groups; the first 4 are the /64 prefix a site is given. */
const IPV6_GROUPS = 8;
const IPV6_PREFIX_GROUPS = 4;
const HEX = 16;

interface LobbyClient {
  readonly address: UdpAddress;
  readonly network: string;
  lastSeen: number;
  /** Bytes the lobby may still send this client. */
  credit: number;
}

/**
 * Lobby clients by address. A client exists once it has sent a datagram and is forgotten after
 * `timeoutSeconds` of silence. At most `maxClients` are remembered, and at most
 * {@linkcode MAX_LOBBY_CLIENTS_PER_NETWORK} per network.
 */
export class LobbyClients {
  readonly #clients = new Map<string, LobbyClient>();
  /** Clients per network (see {@linkcode networkOf}). */
  readonly #perNetwork = new Map<string, number>();
  readonly #timeoutMs: number;
  readonly #maxClients: number;
  #throttled = 0;

  /** Creates an empty lobby. */
  constructor(timeoutSeconds: number, maxClients = MAX_LOBBY_CLIENTS) {
    this.#timeoutMs = timeoutSeconds * MS_PER_SECOND;
    this.#maxClients = maxClients;
  }

  /** How many clients the lobby knows. */
  get size(): number {
    return this.#clients.size;
  }

  /** Relays skipped because the recipient's byte credit did not cover them. */
  get throttled(): number {
    return this.#throttled;
  }

  /**
   * Records that `hostname`:`port` spoke, `receivedBytes` long, and returns the address object of
   * that client, created once per client so relaying never builds addresses. The client is
   * credited {@linkcode LOBBY_REFLECTION_FACTOR} × `receivedBytes`. Null for a new client when the
   * lobby or its network is full: it is not remembered, and its datagram is not relayed.
   */
  heard(hostname: string, port: number, now: number, receivedBytes = 0): UdpAddress | null {
    const key = `${hostname}|${port}`;
    let client = this.#clients.get(key);
    if (client === undefined) {
      if (this.#clients.size >= this.#maxClients) return null;
      const network = networkOf(hostname);
      const fromNetwork = this.#perNetwork.get(network) ?? 0;
      if (fromNetwork >= MAX_LOBBY_CLIENTS_PER_NETWORK) return null;
      this.#perNetwork.set(network, fromNetwork + 1);
      const address: UdpAddress = { transport: "udp", hostname, port };
      client = { address, network, lastSeen: now, credit: 0 };
      this.#clients.set(key, client);
    }
    client.lastSeen = now;
    client.credit += LOBBY_REFLECTION_FACTOR * receivedBytes;
    return client.address;
  }

  /** Every known client except `sender`, credit or not. */
  *others(sender: UdpAddress): IterableIterator<UdpAddress> {
    for (const client of this.#clients.values()) {
      if (client.address !== sender) yield client.address;
    }
  }

  /**
   * The clients but `sender` whose credit covers a datagram of `size` bytes; the credit of each
   * one yielded is spent, each one skipped counts in {@linkcode throttled}.
   */
  *recipients(sender: UdpAddress, size: number): IterableIterator<UdpAddress> {
    for (const client of this.#clients.values()) {
      if (client.address === sender) continue;
      if (client.credit < size) {
        this.#throttled += 1;
        continue;
      }
      client.credit -= size;
      yield client.address;
    }
  }

  /** Forgets the clients silent for longer than the timeout. */
  sweep(now: number): void {
    const deadline = now - this.#timeoutMs;
    for (const [key, client] of this.#clients) {
      if (client.lastSeen >= deadline) continue;
      this.#clients.delete(key);
      const left = (this.#perNetwork.get(client.network) ?? 1) - 1;
      if (left === 0) this.#perNetwork.delete(client.network);
      else this.#perNetwork.set(client.network, left);
    }
  }
}

/**
 * The network an address belongs to, as a key: an IPv4 address itself, an IPv6 address's /64
 * prefix (`2001:db8:0:1::/64`), the IPv4 address of an IPv4-mapped one. Zone ids are ignored.
 *
 * @example
 * ```ts
 * networkOf("2001:db8::1"); // "2001:db8:0:0::/64"
 * ```
 */
export function networkOf(hostname: string): string {
  const address = hostname.split("%")[0];
  if (!address.includes(":")) return address;
  const lastColon = address.lastIndexOf(":");
  if (address.includes(".", lastColon)) return address.slice(lastColon + 1);
  const [head, tail] = address.split("::");
  const groups = head === "" ? [] : head.split(":");
  if (tail !== undefined) {
    const tailGroups = tail === "" ? [] : tail.split(":");
    while (groups.length + tailGroups.length < IPV6_GROUPS) groups.push("0");
    groups.push(...tailGroups);
  }
  const prefix = groups.slice(0, IPV6_PREFIX_GROUPS).map((group) =>
    parseInt(group, HEX).toString(HEX)
  );
  return `${prefix.join(":")}::/64`;
}
