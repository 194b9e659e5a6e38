/**
 * `--compare`'s verdict: one row per target of issue 14, kaiwa's figure beside the reference
 * relays', kaiwa ÷ C and kaiwa ÷ Python, and whether the target is met.
 *
 * @module
 */

import type { Figures } from "./figures.ts";
import type { BenchSizes } from "./options.ts";
import { formatMarkdown } from "./table.ts";

const KIB = 1024;
const MIB = 1024 * 1024;
const NONE = "-";
const RATIO_DIGITS = 2;

/** The servers the verdict compares, by their figures (null: not run). */
export interface ComparedFigures {
  /** kaiwa on its default UDP path. */
  readonly kaiwa: Figures;
  /** kaiwa forced to the portable path (Deno's sockets). */
  readonly portable: Figures;
  /** The C reference relay (epoll, recvmmsg, sendmmsg). */
  readonly c: Figures;
  /** The seed-style Python reference relay. */
  readonly python: Figures;
}

/** How a target is judged: kaiwa ÷ C against a bound, or kaiwa's own figure against one. */
type Goal =
  | { readonly kind: "ratio"; readonly atLeast: boolean; readonly bound: number }
  | { readonly kind: "absolute"; readonly atMost: number };

/** One target of the issue. */
export interface Target {
  /** What the row starts with, e.g. "(b) deliveries/s". */
  readonly id: string;
  /** What is measured, with the run's sizes. */
  readonly what: (sizes: BenchSizes) => string;
  /** The figure compared. */
  readonly figure: (figures: Figures) => number | null;
  /** How a figure is shown. */
  readonly format: (value: number) => string;
  readonly goal: Goal;
  /** A further condition on kaiwa's figures, as a reason it is not met; null when it holds. */
  readonly unless?: (kaiwa: Figures) => string | null;
  /** Which servers' ramps the generator limited, making their figure a floor. */
  readonly generatorLimited?: (figures: Figures) => boolean;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const perSecond = (value: number) => `${Math.round(value).toLocaleString("en-US")}/s`;
const mebibytes = (value: number) => `${(value / MIB).toFixed(1)} MiB`;
const kibibytes = (value: number) => `${(value / KIB).toFixed(2)} KiB`;

/** The targets of issue 14, in its order. */
export const TARGETS: readonly Target[] = [
  {
    id: "(a) p99",
    what: (s) => `p99 at ${s.aRate} msg/s, 1 x ${s.bigRoom.toLocaleString("en-US")}`,
    figure: (f) => f.aP99Ms,
    format: ms,
    goal: { kind: "ratio", atLeast: false, bound: 1.5 },
  },
  {
    id: "(b) deliveries/s",
    what: (s) => `best deliveries/s, 1 x ${s.bigRoom.toLocaleString("en-US")}`,
    figure: (f) => f.bDeliveries,
    format: perSecond,
    goal: { kind: "ratio", atLeast: true, bound: 1.0 },
    generatorLimited: (f) => f.bGeneratorLimited,
  },
  {
    id: "(b) p99",
    what: () => "p99 at that rate",
    figure: (f) => f.bP99Ms,
    format: ms,
    goal: { kind: "ratio", atLeast: false, bound: 2 },
  },
  {
    id: "(c) msgs in/s",
    what: (s) => `best msgs/s in, ${s.smallRooms} x ${s.smallRoomSize}`,
    figure: (f) => f.cMessagesIn,
    format: perSecond,
    goal: { kind: "ratio", atLeast: true, bound: 0.9 },
    generatorLimited: (f) => f.cGeneratorLimited,
  },
  {
    id: "(d) joins/s",
    what: (s) => `joins/s filling 1 x ${s.fillRoom.toLocaleString("en-US")}, everyone told`,
    figure: (f) => f.dFillJoins,
    format: perSecond,
    goal: { kind: "ratio", atLeast: true, bound: 0.5 },
    unless: (kaiwa) => kaiwa.dEveryoneTold === false ? "not everyone was told" : null,
  },
  {
    id: "RSS at end",
    what: (s) => `server RSS after (a), (b), ${s.bigRoom.toLocaleString("en-US")} members`,
    figure: (f) => f.rssEndBytes,
    format: mebibytes,
    goal: { kind: "absolute", atMost: 64 * MIB },
  },
  {
    id: "RSS/member",
    what: (s) => `RSS growth per member, ${s.memoryMembers.toLocaleString("en-US")} members`,
    figure: (f) => f.rssPerMemberBytes,
    format: kibibytes,
    goal: { kind: "absolute", atMost: 1.5 * KIB },
  },
];

const HEADERS = [
  "target",
  "measured",
  "kaiwa",
  "kaiwa portable",
  "C relay",
  "Python relay",
  "kaiwa ÷ C",
  "kaiwa ÷ Python",
  "goal",
  "met",
  "notes",
];

function ratio(value: number | null, reference: number | null): number | null {
  return value === null || reference === null || reference === 0 ? null : value / reference;
}

function goalText(target: Target): string {
  const { goal } = target;
  if (goal.kind === "absolute") return `kaiwa ≤ ${target.format(goal.atMost)}`;
  return `÷ C ${goal.atLeast ? "≥" : "≤"} ${goal.bound}`;
}

/** "met", "NOT met" (with why, when a condition failed), or "?" when a figure is missing. */
function verdict(target: Target, figures: ComparedFigures): string {
  const { goal } = target;
  const kaiwa = target.figure(figures.kaiwa);
  let met: boolean | null;
  if (goal.kind === "absolute") met = kaiwa === null ? null : kaiwa <= goal.atMost;
  else {
    const r = ratio(kaiwa, target.figure(figures.c));
    met = r === null ? null : goal.atLeast ? r >= goal.bound : r <= goal.bound;
  }
  if (met === null) return "?";
  const reason = target.unless?.(figures.kaiwa) ?? null;
  if (reason !== null) return `NOT met (${reason})`;
  return met ? "met" : "NOT met";
}

function notes(target: Target, figures: ComparedFigures): string {
  const limited = target.generatorLimited;
  if (limited === undefined) return "";
  const names = ([
    ["kaiwa", figures.kaiwa],
    ["kaiwa portable", figures.portable],
    ["C", figures.c],
    ["Python", figures.python],
  ] as const).filter(([, f]) => limited(f)).map(([name]) => name);
  return names.length === 0
    ? ""
    : `the generator, not the server, ended the ramp of: ${names.join(", ")}`;
}

/** The verdict table: a row per target in {@link TARGETS}. */
export function formatCompareTable(sizes: BenchSizes, figures: ComparedFigures): string {
  const show = (target: Target, value: number | null) =>
    value === null ? NONE : target.format(value);
  const showRatio = (value: number | null) =>
    value === null ? NONE : `${value.toFixed(RATIO_DIGITS)}×`;
  const lines = TARGETS.map((target) => {
    const kaiwa = target.figure(figures.kaiwa);
    return [
      target.id,
      target.what(sizes),
      show(target, kaiwa),
      show(target, target.figure(figures.portable)),
      show(target, target.figure(figures.c)),
      show(target, target.figure(figures.python)),
      showRatio(ratio(kaiwa, target.figure(figures.c))),
      showRatio(ratio(kaiwa, target.figure(figures.python))),
      goalText(target),
      verdict(target, figures),
      notes(target, figures),
    ];
  });
  return formatMarkdown(HEADERS, lines);
}
