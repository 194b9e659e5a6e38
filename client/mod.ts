/**
 * The terminal client: interactive when a person is at a terminal, otherwise pipe mode, one
 * message per input line and one event per output line. It owns its sockets and the terminal;
 * it never decides the process's fate: every run ends with a {@link Reason} (or a
 * {@linkcode ClientError} carrying one) that `cli/` turns into an exit code.
 *
 * @module
 */

export type { EntryRequest } from "./enter_room.ts";
export { ClientError } from "./errors.ts";
export { joinInteractive } from "./interactive/mod.ts";
export { pinnedNotice, type ServerPin } from "./known_servers.ts";
export { LineReader } from "./line_reader.ts";
export { LineOutput } from "./output.ts";
export { readPasswordFromEnv } from "./password_source.ts";
export { type PipeModeOptions, runPipeMode } from "./pipe_mode.ts";
export type { EndReason, FailureReason, Reason } from "./reason.ts";
export { formatRoomList } from "./room_list_lines.ts";
export {
  listRooms,
  REQUEST_DEADLINE_MS,
  requestRoom,
  type RoomTicket,
  type ServerAddress,
} from "./room_request.ts";
export type { JoinOptions, PasswordSource } from "./options.ts";
export { serverAddressOf } from "./server_address.ts";
export type { ServerTrust } from "./secure_connect.ts";
