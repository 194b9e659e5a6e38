/**
 * The room list as lines for people: the menu's "list rooms" and the chat screen's `/rooms`.
 *
 * @module
 */

import type { RoomList } from "../../protocol/mod.ts";
import { sanitizeForTerminal } from "../tui/mod.ts";

/** Marks a room that needs a password. */
export const LOCK_MARK = "🔒";

/**
 * One line per room ("lobby (3 members) 🔒"), after a heading; room names are untrusted and made
 * terminal-safe here.
 *
 * @example
 * ```ts
 * describeRoomList({ rooms: [{ name: "lobby", members: 1, password: true }], truncated: false });
 * // ["1 room:", "  lobby (1 member) 🔒"]
 * ```
 */
export function describeRoomList(list: RoomList): string[] {
  if (list.rooms.length === 0) return ["no rooms yet: create one"];
  const count = list.rooms.length;
  const lines = [`${count} ${plural(count, "room")}${list.truncated ? " (list cut short)" : ""}:`];
  for (const room of list.rooms) {
    const lock = room.password ? ` ${LOCK_MARK}` : "";
    lines.push(
      `  ${sanitizeForTerminal(room.name)} (${room.members} ${
        plural(room.members, "member")
      })${lock}`,
    );
  }
  return lines;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
