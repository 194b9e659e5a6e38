import { ok, strictEqual } from "node:assert/strict";
import { type ComparedFigures, formatCompareTable, TARGETS } from "../bench/compare_table.ts";
import { emptyFigures, type Figures, median, medianFigures } from "../bench/figures.ts";
import { QUICK_SIZES } from "../bench/options.ts";

const MIB = 1024 * 1024;

function figures(overrides: Partial<Figures>): Figures {
  return { ...emptyFigures(), ...overrides };
}

/** The cells of the verdict row of target `id`. */
function row(table: string, id: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`| ${id} `));
  ok(line !== undefined, `no row ${id} in:\n${table}`);
  return line.split("|").map((cell) => cell.trim());
}

const REFERENCE = figures({
  aP99Ms: 10,
  bDeliveries: 100_000,
  bP99Ms: 5,
  cMessagesIn: 50_000,
  dFillJoins: 10_000,
  dEveryoneTold: true,
  rssEndBytes: 5 * MIB,
  rssPerMemberBytes: 500,
});

function compared(kaiwa: Figures): ComparedFigures {
  return { kaiwa, portable: kaiwa, c: REFERENCE, python: REFERENCE };
}

Deno.test("medians leave out rounds that measured nothing", () => {
  strictEqual(median([3, null, 1, 2]), 2);
  strictEqual(median([4, 1]), 1);
  strictEqual(median([null]), null);
  const merged = medianFigures([
    figures({ cMessagesIn: 10, dEveryoneTold: true }),
    figures({ cMessagesIn: 30, dEveryoneTold: false, cGeneratorLimited: true }),
    figures({ cMessagesIn: 20 }),
  ]);
  strictEqual(merged.cMessagesIn, 20);
  strictEqual(merged.dEveryoneTold, false);
  strictEqual(merged.cGeneratorLimited, true);
});

Deno.test("each target is judged on kaiwa ÷ C, or on kaiwa's own figure for memory", () => {
  const table = formatCompareTable(
    QUICK_SIZES,
    compared(figures({
      aP99Ms: 15, // 1.5× C: at the bound, met
      bDeliveries: 99_000, // 0.99× C: not met
      bP99Ms: 10.5, // 2.1× C: not met
      cMessagesIn: 45_000, // 0.9× C: met
      dFillJoins: 6_000, // 0.6× C, everyone told: met
      dEveryoneTold: true,
      rssEndBytes: 64 * MIB, // at the bound: met
      rssPerMemberBytes: 2_000, // over 1.5 KiB: not met
    })),
  );
  const verdicts = Object.fromEntries(TARGETS.map(({ id }) => [id, row(table, id)[10]]));
  strictEqual(verdicts["(a) p99"], "met");
  strictEqual(verdicts["(b) deliveries/s"], "NOT met");
  strictEqual(verdicts["(b) p99"], "NOT met");
  strictEqual(verdicts["(c) msgs in/s"], "met");
  strictEqual(verdicts["(d) joins/s"], "met");
  strictEqual(verdicts["RSS at end"], "met");
  strictEqual(verdicts["RSS/member"], "NOT met");
  strictEqual(row(table, "(c) msgs in/s")[7], "0.90×");
});

Deno.test("joins fast enough are not met when someone was not told", () => {
  const table = formatCompareTable(
    QUICK_SIZES,
    compared(figures({ dFillJoins: 20_000, dEveryoneTold: false })),
  );
  strictEqual(row(table, "(d) joins/s")[10], "NOT met (not everyone was told)");
});

Deno.test("a missing figure is no verdict, and a generator-limited ramp is named", () => {
  const table = formatCompareTable(
    QUICK_SIZES,
    { ...compared(figures({ bGeneratorLimited: true })), c: { ...REFERENCE, aP99Ms: null } },
  );
  strictEqual(row(table, "(a) p99")[10], "?");
  ok(row(table, "(b) deliveries/s")[11].includes("kaiwa"), table);
});
