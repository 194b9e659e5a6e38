/**
 * The benchmark's one result table: a row per measurement, "-" where a column does not apply.
 *
 * @module
 */

import type { LatencySummary } from "./latency_histogram.ts";

/** One measured row. */
export interface ResultRow {
  /** Scenario letter and what the row measured, e.g. "b 160 msg/s". */
  scenario: string;
  /** Messages per second offered (the pacing target), in all. */
  offered?: number;
  /** Messages per second actually sent. */
  messagesIn?: number;
  /** Chat deliveries per second received by the members. */
  deliveries?: number;
  /** Deliveries lost, percent of those expected. */
  lossPercent?: number;
  /** Send → receipt latency. */
  latency?: LatencySummary | null;
  /** TCRP creates and joins per second. */
  joinsPerSecond?: number;
  /** Server resident memory per member, bytes. */
  rssPerMember?: number;
  /** Server CPU while sending, percent of one core. */
  serverCpu?: number | null;
  /** Load generator CPU (this process, all threads) while sending, percent of one core. */
  generatorCpu?: number | null;
  /**
   * The busiest generator worker's busy share of the send window (not waiting for datagrams or
   * for its next send tick), percent: near 100, the generator, not the server, set the pace.
   */
  generatorBusy?: number;
  /** The server's resident memory, bytes. */
  serverRss?: number | null;
  /** Anything else worth a word: kernel drops, pass/fail, fill times. */
  note?: string;
}

const HEADERS = [
  "scenario",
  "offered/s",
  "msgs in/s",
  "deliv/s",
  "loss %",
  "p50 ms",
  "p99 ms",
  "max ms",
  "joins/s",
  "RSS/member",
  "srv RSS",
  "srv CPU",
  "gen CPU",
  "gen busy %",
  "notes",
] as const;
const NONE = "-";
const KIB = 1024;
const MIB = 1024 * 1024;
const LOSS_DIGITS = 3;
const LATENCY_DIGITS = 2;
const SEPARATOR = " | ";

function integer(value: number | undefined): string {
  return value === undefined ? NONE : Math.round(value).toLocaleString("en-US");
}

function fixed(value: number | undefined | null, digits: number): string {
  return value === undefined || value === null ? NONE : value.toFixed(digits);
}

function percent(value: number | undefined | null): string {
  return value === undefined || value === null ? NONE : `${Math.round(value)}%`;
}

function bytes(value: number | undefined): string {
  return value === undefined ? NONE : `${(value / KIB).toFixed(2)} KiB`;
}

function mebibytes(value: number | undefined | null): string {
  return value === undefined || value === null ? NONE : `${(value / MIB).toFixed(1)} MiB`;
}

function cells(row: ResultRow): string[] {
  return [
    row.scenario,
    integer(row.offered),
    integer(row.messagesIn),
    integer(row.deliveries),
    fixed(row.lossPercent, LOSS_DIGITS),
    fixed(row.latency?.p50, LATENCY_DIGITS),
    fixed(row.latency?.p99, LATENCY_DIGITS),
    fixed(row.latency?.max, LATENCY_DIGITS),
    integer(row.joinsPerSecond),
    bytes(row.rssPerMember),
    mebibytes(row.serverRss),
    percent(row.serverCpu),
    percent(row.generatorCpu),
    percent(row.generatorBusy),
    row.note ?? "",
  ];
}

/**
 * Formats the rows as a Markdown table (pipes aligned), ready to paste into
 * docs/performance.md.
 */
export function formatTable(rows: readonly ResultRow[]): string {
  return formatMarkdown(HEADERS, rows.map(cells));
}

/** `lines` under `headers` as a Markdown table, pipes aligned. */
export function formatMarkdown(
  headers: readonly string[],
  lines: readonly (readonly string[])[],
): string {
  const table = [headers, ...lines];
  const widths = headers.map((_, c) => Math.max(...table.map((line) => line[c].length)));
  const format = (line: readonly string[]) =>
    `| ${line.map((cell, c) => cell.padEnd(widths[c])).join(SEPARATOR)} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [format(table[0]), rule, ...table.slice(1).map(format)].join("\n");
}
