/**
 * The server's state, free of sockets and timers: rooms, members, tokens, timeouts and flood
 * limits. Front ends feed it requests, datagrams and the time; it answers through a
 * {@link Notifier}.
 *
 * @module
 */

export { type DropCounters, DropReason, newDropCounters } from "./counters.ts";
export { handleDatagram } from "./datagrams.ts";
export { LobbyClients, MAX_LOBBY_CLIENTS } from "./lobby_clients.ts";
export { Member, type UdpAddress } from "./member.ts";
export type { Notifier } from "./notifier.ts";
export type { Admission, AdmissionRequest, StateConfig } from "./admission.ts";
export { MAX_DELIVERY_FAILURES, ServerState } from "./registry.ts";
export { RequestLimiter } from "./request_limiter.ts";
export { Room, sameName } from "./room.ts";
export { TokenBucket } from "./token_bucket.ts";
export {
  LOGGED_TOKEN_CHARS,
  randomToken,
  TOKEN_RANDOM_BYTES,
  type TokenGenerator,
  tokenPrefix,
} from "./tokens.ts";
