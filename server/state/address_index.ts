/**
 * Bound members by UDP address. An ICMP error names the address a datagram went to, not a
 * member, and several members (of different rooms) may share one address.
 *
 * @module
 */

import type { Member, UdpAddress } from "./room.ts";

/** The members bound to each UDP address. Socket-free, like the rest of the state. */
export class AddressIndex {
  readonly #members = new Map<string, Set<Member>>();

  /** How many addresses have members bound to them. */
  get size(): number {
    return this.#members.size;
  }

  /** Records that `member` is bound to `address`. */
  add(member: Member, address: UdpAddress): void {
    const key = addressKey(address.hostname, address.port);
    const bound = this.#members.get(key);
    if (bound === undefined) this.#members.set(key, new Set([member]));
    else bound.add(member);
  }

  /** Forgets `member`, if it is bound. */
  remove(member: Member): void {
    if (member.address === null) return;
    const key = addressKey(member.address.hostname, member.address.port);
    const bound = this.#members.get(key);
    if (bound?.delete(member) && bound.size === 0) this.#members.delete(key);
  }

  /** The members bound to `hostname`:`port`, as a copy the caller may act on freely. */
  membersAt(hostname: string, port: number): Member[] {
    return [...this.#members.get(addressKey(hostname, port)) ?? []];
  }

  /** Forgets everyone. */
  clear(): void {
    this.#members.clear();
  }
}

/** The key of a UDP address (the port has no colon, so the key is unambiguous). */
function addressKey(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}
