/**
 * The figures of one server in one round that the targets are about, filled in by the
 * scenarios as they run; their medians over rounds.
 *
 * @module
 */

import { percentile } from "../soak/attacks/percentile.ts";

const HALF = 0.5;

/** One server's key figures of one round; null where the scenario did not run or measure it. */
export interface Figures {
  /** (a): p99 latency at the fixed rate in the big room, ms. */
  aP99Ms: number | null;
  /** (b): deliveries per second at the best passing rate in the big room. */
  bDeliveries: number | null;
  /** (b): p99 latency at that rate, ms. */
  bP99Ms: number | null;
  /** (b): the step that ended the ramp was limited by the generator, not the server. */
  bGeneratorLimited: boolean;
  /** (c): messages in per second at the best passing rate with many small rooms. */
  cMessagesIn: number | null;
  /** (c): the step that ended the ramp was limited by the generator. */
  cGeneratorLimited: boolean;
  /** (d): joins per second filling the one big room. */
  dFillJoins: number | null;
  /** (d): every pair of members of the filled room was told of one's arrival. */
  dEveryoneTold: boolean | null;
  /** The server's resident memory after (a) and (b), with the big room's members, bytes. */
  rssEndBytes: number | null;
  /** Resident memory growth per member, filling a fresh server with members, bytes. */
  rssPerMemberBytes: number | null;
}

/** Figures with nothing measured yet. */
export function emptyFigures(): Figures {
  return {
    aP99Ms: null,
    bDeliveries: null,
    bP99Ms: null,
    bGeneratorLimited: false,
    cMessagesIn: null,
    cGeneratorLimited: false,
    dFillJoins: null,
    dEveryoneTold: null,
    rssEndBytes: null,
    rssPerMemberBytes: null,
  };
}

/**
 * The median (nearest rank: of two, the lower) of the numbers among `values`, nulls left out;
 * null when there is none.
 */
export function median(values: readonly (number | null)[]): number | null {
  return percentile(values.filter((value): value is number => value !== null), HALF);
}

/**
 * The figures of several rounds as one: each number the median of the rounds', each "limited"
 * flag true if any round's was, "everyone told" true only if every round's was.
 */
export function medianFigures(rounds: readonly Figures[]): Figures {
  const numbers = (pick: (figures: Figures) => number | null) => median(rounds.map(pick));
  const told = rounds.map((figures) => figures.dEveryoneTold).filter((value) => value !== null);
  return {
    aP99Ms: numbers((f) => f.aP99Ms),
    bDeliveries: numbers((f) => f.bDeliveries),
    bP99Ms: numbers((f) => f.bP99Ms),
    bGeneratorLimited: rounds.some((f) => f.bGeneratorLimited),
    cMessagesIn: numbers((f) => f.cMessagesIn),
    cGeneratorLimited: rounds.some((f) => f.cGeneratorLimited),
    dFillJoins: numbers((f) => f.dFillJoins),
    dEveryoneTold: told.length === 0 ? null : told.every((value) => value),
    rssEndBytes: numbers((f) => f.rssEndBytes),
    rssPerMemberBytes: numbers((f) => f.rssPerMemberBytes),
  };
}
