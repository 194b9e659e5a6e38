/**
 * The TCRP side of the server: the accept loop with its connection limits, and one session per
 * connection (read a request within the deadline, answer, collect the port announcement).
 *
 * @module
 */

export { type AcceptCounters, type Acceptor, type ConnectionLimits, TcpFront } from "./front.ts";
export { isResourceExhaustion } from "./accept_errors.ts";
export { closeQuietly, Deadline } from "./connection.ts";
export type { RequestMetrics, SessionContext } from "./session.ts";
