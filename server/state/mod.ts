/**
 * The server's state, free of sockets and timers: rooms, members, tokens, timeouts and flood
 * limits. Front ends feed it requests, datagrams and the time; it answers through a
 * {@link Notifier} and reports its changes to {@link StateEvents}. It imports only `protocol/`,
 * `util/` and itself.
 *
 * @module
 */

export { CHAT_ENTRY_OVERHEAD_BYTES, ChatLog, heldBytes, type HeldChat } from "./chat_log.ts";
export { MESSAGE_ID_MEMORY, MessageIds, type RelayedId } from "./message_ids.ts";
export { type DropCounters, DropReason, newDropCounters } from "./counters.ts";
export type { StateEvents } from "./events.ts";
export { LobbyClients, MAX_LOBBY_CLIENTS } from "./lobby_clients.ts";
export type { Notifier } from "./notifier.ts";
export type { Admission, AdmissionRequest, StateConfig } from "./admission.ts";
export { HISTORY_MAX_BYTES, NACK_BURST, NACK_RATE, ServerState } from "./server_state.ts";
export {
  expiryOf,
  isUnreachable,
  KAIWA_PING_INTERVAL_MS,
  MAX_DELIVERY_FAILURES,
  REBIND_QUIET_MS,
  UNREACHABLE_SILENCE_MS,
} from "./expiry.ts";
export { MEMBERS_PAGE_BYTES, MembersPage, membersPageOf } from "./members_page.ts";
export { sourceKey } from "./source_key.ts";
export { SourceCounts } from "./source_counts.ts";
export { SourceLimiter } from "./source_limiter.ts";
export { Member, type PasswordHash, Room, sameName, type UdpAddress } from "./room.ts";
export { loadSealing, type Sealing } from "./sealing.ts";
export { TokenBucket } from "./token_bucket.ts";
export {
  LOGGED_TOKEN_CHARS,
  randomToken,
  TOKEN_RANDOM_BYTES,
  type TokenGenerator,
  tokenPrefix,
} from "./tokens.ts";
