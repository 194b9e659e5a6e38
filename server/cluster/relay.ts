/**
 * The member node's side: which of its clients' tokens belong to rooms held elsewhere, so that
 * their datagrams go to the owner, and who to tell when an owner dies.
 *
 * @module
 */

import { deriveSessionKeys, openSealed } from "../../protocol/sealing.ts";
import {
  parseClientDatagram,
  readSessionId,
  SEALED_MARKER,
  SEALED_OVERHEAD,
  type SessionGrant,
} from "../../protocol/mod.ts";

/** Where a sealed datagram's session id is (§7.3). */
const SESSION_ID_OFFSET = 1;

/** A client of this node in a room another node holds. */
export interface RelayedMember {
  /** The node holding its room. */
  readonly owner: string;
  /** Its token, issued by the owner. */
  readonly token: string;
  /** True for a kaiwa client (binary events), false for a standard one (text). */
  readonly kaiwa: boolean;
  /** The client's IP, as this node saw it when it joined: its plain datagrams come from there. */
  readonly ip: string;
  /**
   * Where its last datagram that proved it came from (sealed: it opens; plain: from its IP, as
   * its owner requires); null before the first. A datagram that only bears its token or session
   * id (replayed, spoofed, guessed) is relayed, for its owner to judge, but moves nothing here.
   */
  address: { hostname: string; port: number; local: string } | null;
  /** When it last sent a datagram (or was admitted), in ms. */
  lastSeen: number;
  /**
   * Its session, when it has one: the id its sealed datagrams carry, the server → client key, so
   * that this node can tell it itself that its room's owner died, and the client → server key,
   * to check a datagram from a new address before noting it.
   */
  readonly session: {
    readonly id: number;
    readonly key: Uint8Array;
    readonly clientKey: Uint8Array;
  } | null;
}

const tokenDecoder = new TextDecoder();

/** Tokens of this node's clients in other nodes' rooms. */
export class Relay {
  readonly #byToken = new Map<string, RelayedMember>();
  readonly #bySession = new Map<number, RelayedMember>();

  /** How many clients are relayed. */
  get size(): number {
    return this.#byToken.size;
  }

  /**
   * `owner` admitted a client of this node at `ip` with `token`, and maybe a session `grant`.
   */
  add(
    owner: string,
    token: string,
    kaiwa: boolean,
    grant: SessionGrant | null,
    ip: string,
    now: number,
  ): void {
    let session = null;
    if (grant !== null) {
      const keys = deriveSessionKeys(grant);
      session = { id: grant.id, key: keys.serverToClient, clientKey: keys.clientToServer };
    }
    const member = { owner, token, kaiwa, ip, address: null, lastSeen: now, session };
    this.#byToken.set(token, member);
    if (session !== null) this.#bySession.set(session.id, member);
  }

  /** True when a relayed member holds session `id`. */
  hasSession(id: number): boolean {
    return this.#bySession.has(id);
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
    const member = this.#byToken.get(token);
    if (member !== undefined) this.#forget(member);
  }

  #forget(member: RelayedMember): void {
    this.#byToken.delete(member.token);
    if (member.session !== null && this.#bySession.get(member.session.id) === member) {
      this.#bySession.delete(member.session.id);
    }
  }

  /**
   * The relayed member a datagram from `hostname`:`port` is for, its address noted; null for a
   * datagram of this node's own rooms (or garbage: the state counts it). A sealed datagram is
   * found by its session id, and relayed unopened: its owner opens it.
   */
  route(
    bytes: Uint8Array,
    hostname: string,
    port: number,
    local: string,
    now: number,
  ): RelayedMember | null {
    if (this.#byToken.size === 0 || bytes.length === 0) return null;
    let member;
    if (bytes[0] === SEALED_MARKER) {
      if (bytes.length < SEALED_OVERHEAD) return null;
      member = this.#bySession.get(readSessionId(bytes, SESSION_ID_OFFSET));
    } else {
      let token;
      try {
        token = tokenDecoder.decode(parseClientDatagram(bytes).token);
      } catch {
        return null;
      }
      member = this.#byToken.get(token);
    }
    if (member === undefined) return null;
    member.lastSeen = now;
    const known = member.address;
    if (
      (known === null || known.hostname !== hostname || known.port !== port ||
        known.local !== local) && proves(member, bytes, hostname)
    ) {
      member.address = { hostname, port, local };
    }
    return member;
  }

  /** Takes out every member in a room `owner` holds (it died). */
  takeOwner(owner: string): RelayedMember[] {
    const taken: RelayedMember[] = [];
    for (const member of this.#byToken.values()) if (member.owner === owner) taken.push(member);
    for (const member of taken) this.#forget(member);
    return taken;
  }

  /** Takes out every member. */
  takeAll(): RelayedMember[] {
    const taken = [...this.#byToken.values()];
    this.#byToken.clear();
    this.#bySession.clear();
    return taken;
  }

  /**
   * Forgets members silent for `idleMs`: the owner removed them long before (a member is removed
   * after `--timeout` of silence), so this bounds the table by the members of the last idle span.
   */
  sweep(now: number, idleMs: number): void {
    for (const member of [...this.#byToken.values()]) {
      if (now - member.lastSeen > idleMs) this.#forget(member);
    }
  }
}

/**
 * True when `bytes` from `hostname` shows its client sent it: a sealed datagram opens under the
 * client's key (one AEAD open, only for a datagram from an address not yet noted); a plain one
 * comes from the IP the client joined from.
 */
function proves(member: RelayedMember, bytes: Uint8Array, hostname: string): boolean {
  if (member.session === null) return hostname === member.ip;
  return bytes[0] === SEALED_MARKER && openSealed(member.session.clientKey, bytes) !== null;
}
