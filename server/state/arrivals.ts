/**
 * Announcing arrivals: joins are collected per room and announced together (one event per flush),
 * before any chat in that room, and told to a member that bound its address late.
 *
 * @module
 */

import { eachItem } from "./each_item.ts";
import type { Notifier } from "./notifier.ts";
import type { Member, Room } from "./room.ts";

/** The rooms with arrivals not yet announced, and the announcing of them. */
export class Arrivals {
  /** Rooms with arrivals not yet announced: the periodic flush visits only these. */
  readonly #rooms = new Set<Room>();
  readonly #notifier: Notifier;

  /** Announces through `notifier`. */
  constructor(notifier: Notifier) {
    this.#notifier = notifier;
  }

  /** `member` was just admitted to `room`: it is announced with the room's next round. */
  admitted(room: Room, member: Member): void {
    member.admittedRound = room.arrivalRound;
    if (member.announced) return;
    room.pendingJoins.push(member);
    this.#rooms.add(room);
  }

  /** `room` closed: nothing of it is left to announce. */
  forget(room: Room): void {
    room.pendingJoins = [];
    this.#rooms.delete(room);
  }

  /** Announces the members that joined since the last flush, one event per room. */
  flush(now: number): void {
    const rooms = [...this.#rooms];
    this.#rooms.clear();
    eachItem(rooms, (room) => this.announce(room, now));
  }

  /**
   * Announces a room's pending arrivals now. The relay calls it before each chat message, so
   * that nobody reads a newcomer's words before learning that it arrived.
   */
  announce(room: Room, now: number): void {
    if (room.pendingJoins.length === 0) return;
    this.#rooms.delete(room);
    const joiners = room.pendingJoins.filter((member) => member.active);
    room.pendingJoins = [];
    room.arrivalRound++;
    for (const member of joiners) {
      member.announced = true;
      member.announcedRound = room.arrivalRound;
    }
    if (joiners.length > 0) this.#notifier.joined(room, joiners, now);
  }

  /**
   * Tells a standard `member` that just bound its address of the arrivals announced since it was
   * admitted, which it could not receive. (Kaiwa members get the member list instead.)
   */
  tellMissed(member: Member, now: number): void {
    const missed: Member[] = [];
    for (const other of member.room.members.values()) {
      if (other !== member && other.announced && other.announcedRound > member.admittedRound) {
        missed.push(other);
      }
    }
    if (missed.length > 0) this.#notifier.missedArrivals(member, missed, now);
  }
}
