/**
 * The results as a Markdown table (one row per attack) or as JSON.
 *
 * @module
 */

import type { AttackResult } from "./runner.ts";
import { MAX_CHAT_P99_MS, MAX_JOIN_MS, MAX_LOSS_PERCENT, verdict } from "./verdict.ts";

const HEADER = [
  "#",
  "attack",
  "attacker KB/s",
  "legit chat loss %",
  "chat p99 ms",
  "join p99 ms",
  "join failures",
  "server CPU %",
  "RSS MiB (start → peak)",
  "log bytes",
  "attack figure",
  "verdict",
];

/** One failed attack run: the error instead of figures. */
export interface AttackFailure {
  readonly id: number;
  readonly title: string;
  readonly error: string;
}

const fixed = (value: number | null, digits: number) =>
  value === null ? "-" : value.toFixed(digits);

function row(result: AttackResult): string[] {
  const { legit, server } = result;
  return [
    String(result.id),
    result.title,
    fixed(result.attackKBps, 1),
    fixed(legit.lossPercent, 1),
    fixed(legit.chatP99, 1),
    fixed(legit.joinP99, 0),
    `${legit.joinFailures}/${legit.joins}`,
    fixed(server.cpuPercent, 0),
    `${fixed(server.rssStartMiB, 0)} → ${fixed(server.rssPeakMiB, 0)}`,
    result.logBytes === null ? "-" : String(result.logBytes),
    result.figure.text,
    verdict(legit, result.figure.concern),
  ];
}

/** The Markdown table, with a line on the targets under it. */
export function markdownTable(results: readonly (AttackResult | AttackFailure)[]): string {
  const rows = results.map((result) =>
    "error" in result
      ? [String(result.id), result.title, ...HEADER.slice(2, -2).map(() => "-"), result.error, "-"]
      : row(result)
  );
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  const lines = [
    `| ${HEADER.join(" | ")} |`,
    `|${HEADER.map(() => " --- ").join("|")}|`,
    ...rows.map((cells) => `| ${cells.map(escape).join(" | ")} |`),
  ];
  return `${
    lines.join("\n")
  }\n\nTargets for the legit room (issue 10): loss ≤ ${MAX_LOSS_PERCENT}%, ` +
    `chat p99 < ${MAX_CHAT_P99_MS} ms, join p99 < ${MAX_JOIN_MS} ms and no failed join. ` +
    "After them, the verdict names what the attack's own figure shows wrong.\n";
}

/** Everything, for --json. */
export function jsonReport(
  results: readonly (AttackResult | AttackFailure)[],
  settings: Record<string, unknown>,
): string {
  return JSON.stringify(
    {
      settings,
      targets: {
        maxLossPercent: MAX_LOSS_PERCENT,
        maxChatP99Ms: MAX_CHAT_P99_MS,
        maxJoinMs: MAX_JOIN_MS,
      },
      results: results.map((result) =>
        "error" in result
          ? result
          : { ...result, verdict: verdict(result.legit, result.figure.concern) }
      ),
    },
    null,
    2,
  );
}
