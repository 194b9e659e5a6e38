/**
 * What the state reports as it changes, for whoever keeps the log (or, later, the metrics). The
 * state owns no logger: the server decides what each event is worth saying.
 *
 * @module
 */

import type { CloseReason, LeaveReason } from "../../protocol/mod.ts";
import type { DropReason } from "./counters.ts";
import type { Member, Room } from "./room.ts";

/**
 * Told of every change of rooms and members. Calls are synchronous, during the change; a
 * listener must not call back into the state.
 */
export interface StateEvents {
  /** `host` created `room`. */
  roomCreated(room: Room, host: Member): void;
  /** `member` joined its room (not its creator). */
  memberJoined(member: Member): void;
  /**
   * `member` came back with its token (a resume, docs/protocol.md §2.5), from `member.ip`: its
   * UDP address is unbound until its next datagram.
   */
  memberResumed(member: Member): void;
  /** `member` was bound to its UDP address (`member.address`). */
  memberBound(member: Member): void;
  /** `member` is being removed after `timeoutSeconds` of silence. */
  memberTimedOut(member: Member): void;
  /** `member` is being removed: deliveries to it kept failing. */
  memberUnreachable(member: Member): void;
  /** `member` (not the host) left its room for `reason`. */
  memberLeft(member: Member, reason: LeaveReason): void;
  /** `room` closed for `reason`. */
  roomClosed(room: Room, reason: CloseReason): void;
  /**
   * A datagram from `from` was dropped for `reason`. Called on a hot path (a flood of garbage):
   * keep it cheap.
   */
  datagramDropped(reason: DropReason, from: string): void;
}
