/**
 * A room: its members, its host, its message counter and the joins not yet announced.
 *
 * @module
 */

import type { PasswordHash } from "../password.ts";
import type { Member } from "./member.ts";

/** A chat room. Mutated only by the state module. */
export class Room {
  /** Room name, validated. */
  readonly name: string;
  /** The room name's UTF-8 bytes, compared against every datagram without decoding it. */
  readonly nameBytes: Uint8Array;
  /** Password hash, or null for an open room. */
  readonly password: PasswordHash | null;
  /** Members by username. */
  readonly members: Map<string, Member> = new Map();
  /** Members that joined since the last flush; announced together as one JOINED event. */
  pendingJoins: Member[] = [];
  /** How many times arrivals were announced; members note it to tell what they missed. */
  arrivalRound = 0;
  /** The creator; the room closes when it goes. Set right after construction. */
  host!: Member;
  /** False once closed. */
  open = true;
  #seq = 0;

  /** Creates an empty room. */
  constructor(name: string, nameBytes: Uint8Array, password: PasswordHash | null) {
    this.name = name;
    this.nameBytes = nameBytes;
    this.password = password;
  }

  /** The next chat sequence number (per room, from 1). */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }
}

/** True when `bytes` equal the room's name bytes; the hot path compares without decoding. */
export function sameName(room: Room, bytes: Uint8Array): boolean {
  const name = room.nameBytes;
  if (name.length !== bytes.length) return false;
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== bytes[i]) return false;
  }
  return true;
}
