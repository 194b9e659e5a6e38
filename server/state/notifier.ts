/**
 * What the state asks the outside world to send. The UDP front end implements it: each method
 * encodes its message once per format and queues the same bytes for every recipient.
 *
 * @module
 */

import type { CloseReason, LeaveReason, NoticeCode, RemoveReason } from "../../protocol/mod.ts";
import type { HeldChat } from "./chat_log.ts";
import type { Member, Room } from "./room.ts";

/**
 * The state's outbox. Every call happens synchronously while the state changes, so the byte
 * arrays passed in (often views of a reused receive buffer) are valid only during the call.
 * `now` is the server time the events carry.
 */
export interface Notifier {
  /** Chat from `sender`: text to the other standard members, a CHAT event to every kaiwa member. */
  chat(room: Room, sender: Member, seq: number, text: Uint8Array, now: number): void;
  /**
   * Send kaiwa `member` alone a chat event again, as it was relayed (same seq, same time): a
   * NACK's answer, or the confirmation of a resent message id. `history` sends it as a History
   * event instead (the room's past, on joining).
   */
  resend(member: Member, chat: HeldChat, history: boolean): void;
  /** Tell kaiwa `member` that the room no longer holds the messages `from` to `to` (a Gap). */
  gap(member: Member, from: number, to: number, now: number): void;
  /** `joiners` arrived: tell every other member of the room. */
  joined(room: Room, joiners: readonly Member[], now: number): void;
  /** Tell `member` of `arrivals`, announced while it had no address to receive them at. */
  missedArrivals(member: Member, arrivals: readonly Member[], now: number): void;
  /** `names` left the room for `reason`: tell every remaining member. */
  left(room: Room, names: readonly string[], reason: LeaveReason, now: number): void;
  /** The room closes: tell every member but `except` (the host that left, or null). */
  roomClosed(room: Room, reason: CloseReason, except: Member | null, now: number): void;
  /** Tell `member` it is being removed. */
  removed(member: Member, reason: RemoveReason, now: number): void;
  /** Send `member` the list of its room's members (kaiwa only: on arrival, and for Who). */
  members(member: Member, now: number): void;
  /**
   * Answer a kaiwa member's ping; `latest` is the seq of its room's latest chat (0 before any)
   * when the ping asked for it, else undefined (an empty Pong, for clients from before it).
   */
  pong(member: Member, latest: number | undefined, now: number): void;
  /** Tell `member` something went wrong with what it sent. */
  notice(member: Member, code: NoticeCode, now: number): void;
  /** The server stops: tell every member of `room`. */
  shutdown(room: Room, now: number): void;
}
