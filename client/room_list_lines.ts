/**
 * How `kaiwa rooms` writes a room list: one line per room, or one JSON object for scripts.
 *
 * @module
 */

import type { RoomList } from "../protocol/mod.ts";
import { toJsonLine } from "./event_lines.ts";
import { sanitizeForTerminal } from "./tui/mod.ts";

/**
 * The lines of `list`. Plain: one `NAME<TAB>MEMBERS<TAB>password|open` line per room, in the
 * server's order, the name made terminal-safe (a server's names are not trusted). JSON: one line,
 * `{"rooms":[{"name":…,"members":…,"password":…}…],"truncated":…}` (`truncated`: the server left
 * rooms out to fit its answer).
 *
 * @example
 * ```ts
 * const list = { rooms: [{ name: "lobby", members: 3, password: false }], truncated: false };
 * formatRoomList(list, false); // ["lobby\t3\topen"]
 * ```
 */
export function formatRoomList(list: RoomList, json: boolean): string[] {
  if (json) return [toJsonLine({ rooms: list.rooms, truncated: list.truncated })];
  return list.rooms.map((room) =>
    `${sanitizeForTerminal(room.name)}\t${room.members}\t${room.password ? "password" : "open"}`
  );
}
