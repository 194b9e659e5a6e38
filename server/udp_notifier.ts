/**
 * The {@link Notifier} over UDP: encodes each message once per format (standard text, kaiwa
 * binary) and queues the same bytes for every recipient; a kaiwa member with a session gets
 * those bytes sealed under its own key.
 *
 * @module
 */

import {
  type CloseReason,
  encodeChatEvent,
  encodeEvent,
  encodeNameListEvents,
  encodeTextChat,
  encodeUtf8,
  EventType,
  formatTextNotice,
  type KaiwaEvent,
  type LeaveReason,
  NoticeCode,
  type RemoveReason,
  splitNameList,
  STANDARD_CLOSED_MESSAGE,
} from "../protocol/mod.ts";
import {
  type HeldChat,
  type Member,
  membersPageOf,
  type Notifier,
  type Room,
} from "./state/mod.ts";
import type { UdpTransport } from "./udp/mod.ts";
import { ByteSlab } from "../util/mod.ts";

const STANDARD_CLOSED_BYTES = encodeUtf8(STANDARD_CLOSED_MESSAGE);

/** What the server says in each notice, by code. */
function noticeText(code: NoticeCode, floodRate: number, whoIntervalSeconds: number): string {
  switch (code) {
    case NoticeCode.RateLimited:
      return `slow down: at most ${floodRate} messages per second; some of yours were dropped`;
    case NoticeCode.InvalidText:
      return "your message was not valid UTF-8 and was dropped";
    case NoticeCode.UnknownCommand:
      return "unknown command ignored";
    case NoticeCode.ListTruncated:
      return "the member list shows only the room's first members";
    case NoticeCode.WhoTooSoon:
      return `the member list was sent less than ${whoIntervalSeconds} seconds ago; ask again later`;
  }
}

/**
 * Turns state notifications into datagrams on a {@link DatagramQueue}. Members without a bound
 * address yet are skipped: there is nowhere to send to.
 */
export class UdpNotifier implements Notifier {
  readonly #transport: Pick<UdpTransport, "send">;
  readonly #floodRate: number;
  readonly #whoIntervalSeconds: number;
  /** Where each relayed message's encodings are cut from: one buffer per message costs more. */
  readonly #slab = new ByteSlab();

  /** Creates a notifier that sends through `transport`; `floodRate` goes into "slow down" notices. */
  constructor(transport: Pick<UdpTransport, "send">, floodRate: number, whoIntervalSeconds = 0) {
    this.#transport = transport;
    this.#floodRate = floodRate;
    this.#whoIntervalSeconds = whoIntervalSeconds;
  }

  /** @inheritdoc */
  chat(room: Room, sender: Member, seq: number, text: Uint8Array, now: number): void {
    let standard: Uint8Array | null = null;
    let kaiwa: Uint8Array | null = null;
    const alloc = this.#slab.alloc;
    for (const member of room.members.values()) {
      if (member.address === null) continue;
      if (member.kaiwa) {
        kaiwa ??= encodeChatEvent(now, seq, sender.nameBytes, text, EventType.Chat, alloc);
        this.#sendKaiwa(kaiwa, member);
      } else if (member !== sender) {
        standard ??= encodeTextChat(sender.nameBytes, text, alloc);
        this.#transport.send(standard, member.address, member.room);
      }
    }
  }

  /**
   * One chat event again, to one kaiwa member, through the same path as every event (sealed
   * under its key when it has a session): a NACK's answer, a confirmation, or history.
   */
  resend(member: Member, chat: HeldChat, history: boolean): void {
    if (!member.kaiwa || member.address === null) return;
    const kind = history ? EventType.History : EventType.Chat;
    this.#sendKaiwa(encodeChatEvent(chat.time, chat.seq, chat.sender, chat.text, kind), member);
  }

  /** @inheritdoc */
  gap(member: Member, from: number, to: number, now: number): void {
    if (!member.kaiwa) return;
    this.#broadcast([member], { type: "gap", time: now, from, to }, null);
  }

  /** @inheritdoc */
  joined(room: Room, joiners: readonly Member[], now: number): void {
    const names = joiners.map((member) => member.name);
    const batch = new Set(joiners);
    // Everyone already there hears of every arrival, encoded once per format.
    this.#nameList(excluding(room.members.values(), batch), "joined", names, 0, now);
    // Arrivals within one flush hear of each other: each gets the others' names. A batch holds
    // one flush interval's arrivals into one room, so encoding per arrival stays cheap.
    if (joiners.length < 2) return;
    for (const joiner of joiners) {
      this.#nameList([joiner], "joined", names.filter((name) => name !== joiner.name), 0, now);
    }
  }

  /** @inheritdoc */
  missedArrivals(member: Member, arrivals: readonly Member[], now: number): void {
    this.#nameList([member], "joined", arrivals.map((arrival) => arrival.name), 0, now);
  }

  /** @inheritdoc */
  left(room: Room, names: readonly string[], reason: LeaveReason, now: number): void {
    this.#nameList(room.members.values(), "left", names, reason, now);
  }

  /**
   * kaiwa's RoomClosed to everyone but `except`; a standard member then also gets the reference
   * server's own close datagram, the one the reference client waits for to end (§3.3).
   */
  roomClosed(room: Room, reason: CloseReason, except: Member | null, now: number): void {
    const event: KaiwaEvent = { type: "room-closed", time: now, reason };
    this.#broadcast(room.members.values(), event, except);
    for (const member of room.members.values()) {
      if (member === except || member.address === null || member.kaiwa) continue;
      this.#transport.send(STANDARD_CLOSED_BYTES, member.address, member.room);
    }
  }

  /** @inheritdoc */
  removed(member: Member, reason: RemoveReason, now: number): void {
    this.#broadcast([member], { type: "removed", time: now, reason }, null);
  }

  /**
   * Sends `member` its room's member list: one page, encoded once per membership change, and for
   * a large room a notice saying how many were left out (docs/protocol.md §4.2).
   */
  members(member: Member, now: number): void {
    if (member.address === null) return;
    const page = membersPageOf(member.room);
    this.#sendKaiwa(page.answerFor(member, now), member);
    if (page.shown === page.total) return;
    const text = `the room has ${page.total} members; the list shows the first ${page.shown}`;
    const code = NoticeCode.ListTruncated;
    this.#broadcast([member], { type: "notice", time: now, code, text }, null);
  }

  /** @inheritdoc */
  pong(member: Member, latest: number | undefined, now: number): void {
    this.#broadcast(
      [member],
      latest === undefined ? { type: "pong", time: now } : { type: "pong", time: now, latest },
      null,
    );
  }

  /** @inheritdoc */
  notice(member: Member, code: NoticeCode, now: number): void {
    const text = noticeText(code, this.#floodRate, this.#whoIntervalSeconds);
    this.#broadcast([member], { type: "notice", time: now, code, text }, null);
  }

  /** @inheritdoc */
  shutdown(room: Room, now: number): void {
    this.#broadcast(room.members.values(), { type: "shutdown", time: now }, null);
  }

  /**
   * Sends a kaiwa event, encoded once for all, to one member: as it is, or sealed under the
   * member's own key when it has a session (docs/protocol.md §7.3) — one AEAD per such recipient,
   * the cost the keys demand (measured in docs/performance.md).
   */
  #sendKaiwa(event: Uint8Array, member: Member): void {
    const address = member.address;
    if (address === null) return;
    const session = member.session;
    this.#transport.send(session === null ? event : session.seal(event), address, member.room);
  }

  /** Sends `event` to each recipient but `except`, encoded at most once per format. */
  #broadcast(recipients: Iterable<Member>, event: KaiwaEvent, except: Member | null): void {
    let standard: Uint8Array | null | undefined;
    let kaiwa: Uint8Array | undefined;
    for (const member of recipients) {
      if (member === except || member.address === null) continue;
      if (member.kaiwa) {
        kaiwa ??= encodeEvent(event);
        this.#sendKaiwa(kaiwa, member);
      } else {
        if (standard === undefined) {
          const text = formatTextNotice(event);
          standard = text === null ? null : encodeUtf8(text);
        }
        if (standard !== null) this.#transport.send(standard, member.address, member.room);
      }
    }
  }

  /** JOINED or LEFT to `recipients`, long lists split, encoded at most once per format. */
  #nameList(
    recipients: Iterable<Member>,
    type: "joined" | "left",
    names: readonly string[],
    reason: number,
    now: number,
  ): void {
    let kaiwa: Uint8Array[] | undefined;
    let standard: Uint8Array[] | undefined;
    for (const member of recipients) {
      if (member.address === null) continue;
      if (member.kaiwa) {
        kaiwa ??= encodeNameListEvents(type, now, names, reason);
        for (const bytes of kaiwa) this.#sendKaiwa(bytes, member);
      } else {
        standard ??= splitNameList(names).map((group) => {
          const event: KaiwaEvent = type === "joined"
            ? { type, time: now, names: group }
            : { type, time: now, reason, names: group };
          return encodeUtf8(formatTextNotice(event) ?? "");
        });
        for (const bytes of standard) this.#transport.send(bytes, member.address, member.room);
      }
    }
  }
}

/** The members not in `leftOut`. */
function* excluding(members: Iterable<Member>, leftOut: ReadonlySet<Member>): Iterable<Member> {
  for (const member of members) if (!leftOut.has(member)) yield member;
}
