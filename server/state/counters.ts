/**
 * Counters of datagrams the server dropped without answering, by reason. Tests read them to
 * prove that a silence was a drop and not a lost packet.
 *
 * @module
 */

/** Why a datagram was dropped. */
export const DropReason = {
  /** Not a well-formed client datagram (too short, sizes wrong, empty room or token). */
  Malformed: "malformed",
  /** Larger than 4096 bytes. */
  Oversize: "oversize",
  /** The token is not known. */
  UnknownToken: "unknownToken",
  /** The token is known but the room name is not its room. */
  WrongRoom: "wrongRoom",
  /** The token is known but the source IP or port is not the one it is bound to. */
  WrongAddress: "wrongAddress",
  /** The text is not valid UTF-8 (or the command is unknown). */
  InvalidText: "invalidText",
  /** Over the member's flood limit. */
  Flood: "flood",
  /** Sealed, but no live session has its id (docs/protocol.md §7.4). */
  UnknownSession: "unknownSession",
  /** Sealed, and its counter was already accepted. */
  Replay: "replay",
  /** Sealed, and its counter is below the replay window. */
  TooOld: "tooOld",
  /** Sealed, and its tag does not authenticate it (forged, tampered with, truncated). */
  Forged: "forged",
  /** A plain datagram with the token of a member that has a session: it must seal. */
  Unsealed: "unsealed",
} as const;
/** A drop reason. */
export type DropReason = typeof DropReason[keyof typeof DropReason];

/** Dropped datagrams by reason, plus the total. */
export type DropCounters = Record<DropReason, number> & { total: number };

/** A zeroed set of counters. */
export function newDropCounters(): DropCounters {
  return {
    malformed: 0,
    oversize: 0,
    unknownToken: 0,
    wrongRoom: 0,
    wrongAddress: 0,
    invalidText: 0,
    flood: 0,
    unknownSession: 0,
    replay: 0,
    tooOld: 0,
    forged: 0,
    unsealed: 0,
    total: 0,
  };
}
