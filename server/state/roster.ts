/**
 * Every member of the server, by token and by bound address, and the issuing of tokens. The rooms
 * say who is in which room; the roster says who exists at all.
 *
 * @module
 */

import { AddressIndex } from "./address_index.ts";
import type { Member, UdpAddress } from "./room.ts";
import type { TokenGenerator } from "./tokens.ts";

/** Attempts at drawing a token not already in use before giving up (a broken generator). */
const TOKEN_ATTEMPTS = 8;

/** Members by token and by UDP address. */
export class Roster {
  readonly #tokens = new Map<string, Member>();
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
    this.#tokens.set(member.token, member);
  }

  /** Binds `member` to `address`, in place of the address it had. */
  bind(member: Member, address: UdpAddress): void {
    this.#byAddress.remove(member);
    member.address = address;
    this.#byAddress.add(member, address);
  }

  /** Forgets `member`: its token and its address. */
  remove(member: Member): void {
    this.#tokens.delete(member.token);
    this.#byAddress.remove(member);
  }

  /** Forgets everyone. */
  clear(): void {
    this.#tokens.clear();
    this.#byAddress.clear();
  }
}
