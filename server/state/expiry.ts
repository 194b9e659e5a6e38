/**
 * When a member goes without asking to: silent past `--timeout`, never bound past
 * `--bind-timeout`, or unreachable. ICMP errors ("port unreachable") are easy to forge from off
 * path, so a failed delivery is only a hint: it makes a member suspect, and only a kaiwa member
 * that is also silent for a liveness period is removed for it. A member that keeps sending valid
 * datagrams is never removed because of ICMP, and neither is a standard member (its protocol has
 * no ping, so its silence proves nothing: `--timeout` removes it).
 *
 * @module
 */

import { LeaveReason } from "../../protocol/mod.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";
import type { Member } from "./room.ts";

/** Consecutive failed deliveries (no valid datagram between them) that make a member suspect. */
export const MAX_DELIVERY_FAILURES = 3;
/** How often kaiwa's client pings the server (client/liveness.ts `pingIntervalMs`). */
export const KAIWA_PING_INTERVAL_MS = 5_000;
/**
 * How long a member's bound UDP port must have been quiet (no valid datagram) before a valid
 * datagram from a new port of the same IP re-binds it (a NAT rebinding, docs/protocol.md §2.6).
 * Above the kaiwa ping interval with room for a late ping, so a live kaiwa client's port is never
 * that quiet, and a datagram replayed from another port cannot take its binding away.
 */
export const REBIND_QUIET_MS = 8_000;
/**
 * Silence that, with failed deliveries, proves a kaiwa member gone: three pings missed in a row,
 * so one or two lost pings never count.
 */
export const UNREACHABLE_SILENCE_MS = 3 * KAIWA_PING_INTERVAL_MS;

/** The timeouts {@link expiryOf} applies, in seconds. */
export interface ExpiryConfig {
  /** Silence after which any member goes (`--timeout`). */
  timeoutSeconds: number;
  /** Time a member has to get a UDP address (`--bind-timeout`). */
  bindTimeoutSeconds: number;
}

/**
 * True when deliveries to `member` kept failing and it has been silent long enough for that to
 * mean it is gone: a kaiwa member, {@link MAX_DELIVERY_FAILURES} failures since its last valid
 * datagram, and silent for {@link UNREACHABLE_SILENCE_MS}.
 */
export function isUnreachable(member: Member, now: number): boolean {
  return member.kaiwa && member.failures >= MAX_DELIVERY_FAILURES &&
    now - member.lastActive >= UNREACHABLE_SILENCE_MS;
}

/** Why `member` must go at `now`, or null while it may stay. */
export function expiryOf(member: Member, now: number, config: ExpiryConfig): LeaveReason | null {
  if (member.lastActive < now - config.timeoutSeconds * MS_PER_SECOND) return LeaveReason.TimedOut;
  if (
    member.address === null && now - member.admittedAt >= config.bindTimeoutSeconds * MS_PER_SECOND
  ) {
    return LeaveReason.TimedOut;
  }
  if (isUnreachable(member, now)) return LeaveReason.Unreachable;
  return null;
}
