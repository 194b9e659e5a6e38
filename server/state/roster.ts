/**
 * Every member of the server, by token and by bound address, and the issuing of tokens. The rooms
 * say who is in which room; the roster says who exists at all.
 *
 * @module
 */

import { AddressIndex } from "./address_index.ts";
import { SESSION_SECRET_SIZE, type SessionGrant } from "../../protocol/mod.ts";
import type { Member, UdpAddress } from "./room.ts";
import { sealing } from "./sealing.ts";
import { TokenIndex } from "./token_index.ts";
import type { TokenGenerator } from "./tokens.ts";

/** Attempts at drawing a token not already in use before giving up (a broken generator). */
const TOKEN_ATTEMPTS = 8;

/** Members by token and by UDP address. */
export class Roster {
  readonly #tokens = new TokenIndex();
  /** Members with a session, by session id (docs/protocol.md §7). */
  readonly #sessions = new Map<number, Member>();
  readonly #sessionId = new Uint32Array(1);
  /** Bound members by address: a failed delivery names an address, not a member. */
  readonly #byAddress = new AddressIndex();
  readonly #newToken: TokenGenerator;

  /** An empty roster drawing tokens from `newToken`. */
  constructor(newToken: TokenGenerator) {
    this.#newToken = newToken;
  }

  /** Number of members with a token. */
  get size(): number {
    return this.#tokens.size;
  }

  /** Number of distinct UDP addresses members are bound to. */
  get boundAddressCount(): number {
    return this.#byAddress.size;
  }

  /** The member holding `token`, if any. */
  byToken(token: string): Member | undefined {
    return this.#tokens.get(token);
  }

  /**
   * The member whose token is the `length` bytes of `bytes` from `start` (a datagram's token
   * field), if any: found without decoding them.
   */
  byTokenBytes(bytes: Uint8Array, start: number, length: number): Member | undefined {
    return this.#tokens.getBytes(bytes, start, length);
  }

  /** The member whose session has id `id`, if any. */
  bySession(id: number): Member | undefined {
    return this.#sessions.get(id);
  }

  /** Number of live sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Gives `member` a fresh session, in place of any it had: a random id no live session has and
   * 32 random bytes of secret. Returns the grant, to be sent over TLS.
   *
   * @throws {Error} when the sessions' crypto was not loaded (`loadSealing`).
   */
  openSession(member: Member): SessionGrant {
    const { SealedChannel } = sealing();
    this.closeSession(member);
    let id: number;
    do id = crypto.getRandomValues(this.#sessionId)[0]; while (this.#sessions.has(id));
    const grant = { id, secret: crypto.getRandomValues(new Uint8Array(SESSION_SECRET_SIZE)) };
    member.session = SealedChannel.forServer(grant);
    this.#sessions.set(id, member);
    return grant;
  }

  /** Ends `member`'s session, if it has one: its id stops working at once. */
  closeSession(member: Member): void {
    if (member.session === null) return;
    this.#sessions.delete(member.session.id);
    member.session = null;
  }

  /** The members bound to `hostname`:`port` (a copy). */
  at(hostname: string, port: number): Member[] {
    return this.#byAddress.membersAt(hostname, port);
  }

  /**
   * A token no member holds.
   *
   * @throws {Error} when the generator draws only tokens in use, {@linkcode TOKEN_ATTEMPTS} times.
   */
  issueToken(): string {
    for (let attempt = 0; attempt < TOKEN_ATTEMPTS; attempt++) {
      const token = this.#newToken();
      if (!this.#tokens.has(token)) return token;
    }
    throw new Error(`Cannot issue a token: ${TOKEN_ATTEMPTS} draws were all in use`);
  }

  /** Adds `member` under its token. */
  add(member: Member): void {
    this.#tokens.add(member);
  }

  /** Binds `member` to `address`, in place of the address it had. */
  bind(member: Member, address: UdpAddress): void {
    this.#byAddress.remove(member);
    member.address = address;
    this.#byAddress.add(member, address);
  }

  /** Forgets `member`: its token and its address. */
  remove(member: Member): void {
    this.#tokens.delete(member);
    this.closeSession(member);
    this.#byAddress.remove(member);
  }

  /** Forgets everyone. */
  clear(): void {
    this.#tokens.clear();
    this.#sessions.clear();
    this.#byAddress.clear();
  }
}
