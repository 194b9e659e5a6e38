/**
 * The member list a kaiwa member gets (Who, and once bound): one Members event of at most
 * {@link MEMBERS_PAGE_BYTES}, whatever the size of the room, encoded once per membership change
 * and copied per answer. A 26-byte Who in a 5,000-member room used to bring back 1.29 MB.
 *
 * @module
 */

import {
  encodeEvent,
  EVENT_HEADER_SIZE,
  type MemberEntry,
  MemberFlag,
  utf8Length,
  writeEventTime,
} from "../../protocol/mod.ts";
import type { Member, Room } from "./room.ts";

/**
 * Largest Members answer, header included: one datagram within the IPv6 minimum MTU (1,280
 * bytes, RFC 8200 §5) less the IPv6 (40) and UDP (8) headers, so it is never fragmented.
 */
export const MEMBERS_PAGE_BYTES = 1_232;
/** The count before a Members event's entries (§4.2). */
const COUNT_SIZE = 2;
/** Each Members entry's flags and length bytes (§4.2). */
const ENTRY_OVERHEAD = 2;

/** A room's first members, in join order (its host first), as one encoded Members event. */
export class MembersPage {
  /** Members in the room when the page was made. */
  readonly total: number;
  /** Members the page lists. */
  readonly shown: number;
  /** The room's membership version the page was made at. */
  readonly version: number;
  /** The Members event, time 0, no "you" flag set. */
  readonly #event: Uint8Array;
  /** Where each listed member's flags byte is, to mark "you". */
  readonly #flagsAt: Map<Member, number>;

  /** Encodes `room`'s first members, as many as fit {@link MEMBERS_PAGE_BYTES}. */
  constructor(room: Room) {
    const entries: MemberEntry[] = [];
    this.#flagsAt = new Map();
    let offset = EVENT_HEADER_SIZE + COUNT_SIZE;
    for (const member of room.members.values()) {
      const size = ENTRY_OVERHEAD + utf8Length(member.name);
      if (offset + size > MEMBERS_PAGE_BYTES) break;
      this.#flagsAt.set(member, offset);
      entries.push({ name: member.name, host: member.isHost, you: false });
      offset += size;
    }
    this.#event = encodeEvent({ type: "members", time: 0, members: entries });
    this.total = room.members.size;
    this.shown = entries.length;
    this.version = room.membershipVersion;
  }

  /**
   * The page as `member` gets it at `now`: a copy (the bytes are queued for sending, and the
   * page serves the next asker too) with the time and, when it is listed, its "you" flag.
   */
  answerFor(member: Member, now: number): Uint8Array {
    const out = this.#event.slice();
    writeEventTime(out, now);
    const flags = this.#flagsAt.get(member);
    if (flags !== undefined) out[flags] |= MemberFlag.You;
    return out;
  }
}

const pages = new WeakMap<Room, MembersPage>();

/** `room`'s page, made again only when its membership changed since. */
export function membersPageOf(room: Room): MembersPage {
  let page = pages.get(room);
  if (page === undefined || page.version !== room.membershipVersion) {
    page = new MembersPage(room);
    pages.set(room, page);
  }
  return page;
}
