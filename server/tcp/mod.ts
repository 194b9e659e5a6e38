/**
 * The TCRP side of the server: the accept loop with its connection limits, and one session per
 * connection (read a request within the deadline, answer, collect the port announcement).
 *
 * @module
 */

export { type AcceptCounters, type Acceptor, type ConnectionLimits, TcpFront } from "./front.ts";
export { acceptNext, isResourceExhaustion } from "./accept_errors.ts";
export { closeQuietly, Deadline, isConnectionError } from "./connection.ts";
export {
  answerRoomRequest,
  logRefusal,
  type RequestMetrics,
  type RoomAnswer,
  type SessionContext,
} from "./session.ts";
export type { RemoteAdmission, RemoteAnswer, RoomDirectory } from "./room_directory.ts";
export { openConnection, type OpenedConnection } from "./sniff.ts";
