/**
 * The member node's side: which of its clients' tokens belong to rooms held elsewhere, so that
 * their datagrams go to the owner, and who to tell when an owner dies.
 *
 * @module
 */

import { parseClientDatagram, SEALED_MARKER } from "../../protocol/mod.ts";

/** A client of this node in a room another node holds. */
export interface RelayedMember {
  /** The node holding its room. */
  readonly owner: string;
  /** Its token, issued by the owner. */
  readonly token: string;
  /** True for a kaiwa client (binary events), false for a standard one (text). */
  readonly kaiwa: boolean;
  /** Where its last datagram came from; null before the first. */
  address: { hostname: string; port: number; local: string } | null;
  /** When it last sent a datagram (or was admitted), in ms. */
  lastSeen: number;
}

const tokenDecoder = new TextDecoder();

/** Tokens of this node's clients in other nodes' rooms. */
export class Relay {
  readonly #byToken = new Map<string, RelayedMember>();

  /** How many clients are relayed. */
  get size(): number {
    return this.#byToken.size;
  }

  /** `owner` admitted a client of this node with `token`. */
  add(owner: string, token: string, kaiwa: boolean, now: number): void {
    this.#byToken.set(token, { owner, token, kaiwa, address: null, lastSeen: now });
  }

  /** The client holding `token` announced its UDP port from `hostname`, unless it sent already. */
  announce(token: string, hostname: string, port: number): void {
    const member = this.#byToken.get(token);
    if (member !== undefined && member.address === null) {
      member.address = { hostname, port, local: "" };
    }
  }

  /** Forgets `token` (its admission was withdrawn). */
  remove(token: string): void {
    this.#byToken.delete(token);
  }

  /**
   * The relayed member a datagram from `hostname`:`port` is for, its address noted; null for a
   * datagram of this node's own rooms (or garbage: the state counts it). Sealed datagrams are
   * never relayed: a relayed member has no session.
   */
  route(
    bytes: Uint8Array,
    hostname: string,
    port: number,
    local: string,
    now: number,
  ): RelayedMember | null {
    if (this.#byToken.size === 0 || bytes.length === 0 || bytes[0] === SEALED_MARKER) return null;
    let token;
    try {
      token = tokenDecoder.decode(parseClientDatagram(bytes).token);
    } catch {
      return null;
    }
    const member = this.#byToken.get(token);
    if (member === undefined) return null;
    member.lastSeen = now;
    const known = member.address;
    if (
      known === null || known.hostname !== hostname || known.port !== port || known.local !== local
    ) {
      member.address = { hostname, port, local };
    }
    return member;
  }

  /** Takes out every member in a room `owner` holds (it died). */
  takeOwner(owner: string): RelayedMember[] {
    const taken: RelayedMember[] = [];
    for (const member of this.#byToken.values()) if (member.owner === owner) taken.push(member);
    for (const member of taken) this.#byToken.delete(member.token);
    return taken;
  }

  /** Takes out every member. */
  takeAll(): RelayedMember[] {
    const taken = [...this.#byToken.values()];
    this.#byToken.clear();
    return taken;
  }

  /**
   * Forgets members silent for `idleMs`: the owner removed them long before (a member is removed
   * after `--timeout` of silence), so this bounds the table by the members of the last idle span.
   */
  sweep(now: number, idleMs: number): void {
    for (const [token, member] of this.#byToken) {
      if (now - member.lastSeen > idleMs) this.#byToken.delete(token);
    }
  }
}
