/**
 * `deno task bench`: the relay benchmark of issues 6 and 14. Starts each server under test as a
 * separate process, a fresh one per scenario, with its limits raised; loads it from this process
 * (members on worker threads, one UDP socket each, driven through libc); prints a table per
 * server, and with `--compare` kaiwa's ratios to the reference relays per target; and stops
 * every server whatever happens. Linux only.
 *
 * ```sh
 * deno task bench            # the full run, a few minutes
 * deno task bench --quick    # every scenario, small: the CI smoke
 * deno task bench --scenario b
 * deno task bench --compare --rounds 3   # kaiwa both paths, C and Python relays, medians
 * deno task bench --encrypted --scenario b   # kaiwa clients with sessions: sealed datagrams
 * deno task bench --scenario e               # the same loads over two cluster nodes (nats-server)
 * ```
 *
 * @module
 */

import { runBigRoom, runSmallRooms, type ScenarioContext } from "./chat_scenarios.ts";
import { formatCompareTable } from "./compare_table.ts";
import {
  type Contender,
  kaiwaContender,
  prepareReferenceRelays,
  type ReferenceRelays,
} from "./contenders.ts";
import { emptyFigures, type Figures, medianFigures } from "./figures.ts";
import { runCluster } from "./cluster_scenarios.ts";
import { runJoins } from "./join_scenarios.ts";
import { generatorUnavailable } from "./member_sockets.ts";
import { type BenchOptions, parseBenchArgs, USAGE } from "./options.ts";
import { readProcFile } from "./proc_stats.ts";
import { SERVER_FLAGS, ServerProcess } from "./server_process.ts";
import { formatTable, type ResultRow } from "./table.ts";

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
/** The benchmark cannot run here: not Linux, no FFI, or (--compare) no reference relays. */
const EXIT_UNSUPPORTED = 3;
const EXIT_INTERRUPTED = 130;

async function machine(): Promise<string> {
  const read = async (path: string) => (await readProcFile(path)) ?? "";
  const cpu = (await read("/proc/cpuinfo")).match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown CPU";
  const memKiB = Number((await read("/proc/meminfo")).match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  const memory = memKiB > 0 ? `, ${(memKiB / 1024 / 1024).toFixed(1)} GiB` : "";
  return `${navigator.hardwareConcurrency} cores, ${cpu}${memory}; Deno ${Deno.version.deno}, ` +
    `${Deno.build.os}`;
}

/** A server's rows and figures, over the rounds. */
interface Results {
  readonly contender: Contender;
  readonly rows: ResultRow[];
  /** One entry per round. */
  readonly figures: Figures[];
}

/** The scenario groups, each run on fresh servers: (a)+(b) share their room. */
type Group = "ab" | "c" | "d" | "e";

async function runGroup(ctx: ScenarioContext, group: Group, options: BenchOptions): Promise<void> {
  const wants = (letter: string) => options.scenarios.some((s) => s === letter);
  if (group === "ab") await runBigRoom(ctx, wants("a"), wants("b"));
  else if (group === "c") await runSmallRooms(ctx);
  else if (group === "d") await runJoins(ctx);
  else await runCluster(ctx);
}

/**
 * Runs every round: in each, scenario group by scenario group, every server in turn on a fresh
 * process, so that the servers see the machine in the same state as nearly as can be.
 */
async function runRounds(
  options: BenchOptions,
  contenders: readonly Contender[],
): Promise<Results[]> {
  const results = contenders.map((contender) => ({
    contender,
    rows: [] as ResultRow[],
    figures: [] as Figures[],
  }));
  const groups = (["ab", "c", "d", "e"] as const).filter((group) =>
    options.scenarios.some((scenario) => group.includes(scenario))
  );
  for (let round = 1; round <= options.rounds; round++) {
    const label = options.rounds > 1 ? `r${round} ` : "";
    for (const result of results) result.figures.push(emptyFigures());
    for (const group of groups) {
      for (const result of results) {
        const ctx: ScenarioContext = {
          contender: result.contender,
          sizes: options.sizes,
          workers: options.workers,
          encrypted: options.encrypted,
          figures: result.figures[round - 1],
          addRow: (row) => {
            const labelled = { ...row, scenario: `${label}${row.scenario}` };
            result.rows.push(labelled);
            console.error(`  [${result.contender.name}] ${formatTable([labelled]).split("\n")[2]}`);
          },
        };
        await runGroup(ctx, group, options);
      }
    }
  }
  return results;
}

function printResults(options: BenchOptions, results: readonly Results[]): void {
  for (const { contender, rows } of results) {
    if (results.length > 1) console.log(`\n### ${contender.name}: ${contender.description}\n`);
    console.log(formatTable(rows));
  }
  if (!options.compare) return;
  const [kaiwa, portable, c, python] = results.map((result) => medianFigures(result.figures));
  const medians = options.rounds > 1 ? `medians of ${options.rounds} rounds` : "one round";
  console.log(`\n### kaiwa against the reference relays (${medians})\n`);
  console.log(formatCompareTable(options.sizes, { kaiwa, portable, c, python }));
}

function printHeader(options: BenchOptions, contenders: readonly Contender[], machine: string) {
  console.log(`kaiwa relay benchmark${options.quick ? " (--quick)" : ""}: ${machine}`);
  const members = options.encrypted
    ? "kaiwa events, sessions over TLS (pinned fingerprint), every datagram sealed both ways"
    : "standard text events";
  console.log(
    `servers: ${contenders.map((c) => `${c.name} (${c.description})`).join("; ")}; ` +
      `a fresh process per scenario${options.rounds > 1 ? `, ${options.rounds} rounds` : ""}`,
  );
  console.log(
    `kaiwa serve --host 127.0.0.1 --quiet, ${members}; limits raised: ` +
      SERVER_FLAGS.map(([flag, value, why]) => `${flag} ${value} (${why})`).join(", "),
  );
  console.log(
    `load: ${options.workers} client worker threads in this process, one UDP socket per member ` +
      `(epoll, recvmmsg, sendmmsg through libc); steps of ${options.sizes.stepMs} ms; ` +
      `scenarios ${options.scenarios.join(", ")}`,
  );
}

async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(args);
  } catch (error) {
    console.error((error as Error).message);
    return EXIT_USAGE;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const unavailable = generatorUnavailable();
  if (unavailable !== null) {
    console.error(unavailable);
    return EXIT_UNSUPPORTED;
  }
  let references: ReferenceRelays | null = null;
  if (options.compare) {
    try {
      references = await prepareReferenceRelays();
    } catch (error) {
      console.error((error as Error).message);
      return EXIT_UNSUPPORTED;
    }
  }
  const contenders = references === null ? [kaiwaContender("kaiwa", options.udp)] : [
    kaiwaContender("kaiwa", "default"),
    kaiwaContender("kaiwa portable", "portable"),
    references.c,
    references.python,
  ];
  printHeader(options, contenders, await machine());
  const interrupt = () => {
    ServerProcess.stopAll()
      .then(() => references?.remove())
      .finally(() => Deno.exit(EXIT_INTERRUPTED));
  };
  Deno.addSignalListener("SIGINT", interrupt);
  try {
    printResults(options, await runRounds(options, contenders));
    return 0;
  } catch (error) {
    console.error(`bench failed: ${(error as Error).stack ?? error}`);
    return EXIT_FAILURE;
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
    await ServerProcess.stopAll();
    await references?.remove();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
