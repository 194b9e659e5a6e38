/**
 * `deno task bench`: the relay benchmark of issue 6. Starts `kaiwa serve` as a separate
 * process with its limits raised, loads it from this process (members on worker threads, one UDP
 * socket each), prints one table, and stops the server whatever happens.
 *
 * ```sh
 * deno task bench            # the full run, a few minutes
 * deno task bench --quick    # every scenario, small: the CI smoke
 * deno task bench --scenario b
 * deno task bench --encrypted --scenario b   # kaiwa clients with sessions: sealed datagrams
 * deno task bench --scenario e               # the same loads over two cluster nodes (nats-server)
 * ```
 *
 * @module
 */

import { runBigRoom, runSmallRooms, type ScenarioContext } from "./chat_scenarios.ts";
import { runCluster } from "./cluster_scenarios.ts";
import { runJoins } from "./join_scenarios.ts";
import { type BenchOptions, parseBenchArgs, USAGE } from "./options.ts";
import { readProcFile } from "./proc_stats.ts";
import { BENCH_SERVE_FLAGS, SERVER_FLAGS, ServerProcess } from "./server_process.ts";
import { formatTable, type ResultRow } from "./table.ts";
import type { JoinSecurity } from "./tcrp_client.ts";

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
const EXIT_INTERRUPTED = 130;

async function machine(): Promise<string> {
  const read = async (path: string) => (await readProcFile(path)) ?? "";
  const cpu = (await read("/proc/cpuinfo")).match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown CPU";
  const memKiB = Number((await read("/proc/meminfo")).match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  const memory = memKiB > 0 ? `, ${(memKiB / 1024 / 1024).toFixed(1)} GiB` : "";
  return `${navigator.hardwareConcurrency} cores, ${cpu}${memory}; Deno ${Deno.version.deno}, ` +
    `${Deno.build.os}`;
}

/**
 * With `--encrypted`, members enter over TLS, pinning the fingerprint the server printed, exactly
 * as `kaiwa join --fingerprint` does; null otherwise.
 */
function securityOf(options: BenchOptions, server: ServerProcess): JoinSecurity | null {
  if (!options.encrypted) return null;
  const fingerprint = server.fingerprint;
  if (fingerprint === null) throw new Error("The server printed no TLS fingerprint");
  return { trust: { fingerprint, knownServers: null } };
}

async function run(options: BenchOptions, server: ServerProcess): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const ctx: ScenarioContext = {
    server,
    sizes: options.sizes,
    workers: options.workers,
    security: securityOf(options, server),
    addRow: (row) => {
      rows.push(row);
      console.error(`  ${formatTable([row]).split("\n")[2]}`);
    },
  };
  const wants = (letter: string) => options.scenarios.some((s) => s === letter);
  if (wants("a") || wants("b")) await runBigRoom(ctx, wants("a"), wants("b"));
  if (wants("c")) await runSmallRooms(ctx);
  if (wants("d")) await runJoins(ctx);
  if (wants("e")) await runCluster(ctx, options.fastUdp);
  return rows;
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
  console.log(`kaiwa relay benchmark${options.quick ? " (--quick)" : ""}: ${await machine()}`);
  const members = options.encrypted
    ? "kaiwa events, sessions over TLS (pinned fingerprint), every datagram sealed both ways"
    : "standard text events";
  console.log(
    `server: kaiwa serve --host 127.0.0.1 --quiet, ${members}; limits raised: ` +
      SERVER_FLAGS.map(([flag, value, why]) => `${flag} ${value} (${why})`).join(", ") +
      (options.fastUdp ? "; --fast-udp (sendmmsg sends)" : "; sends: one DatagramConn.send each"),
  );
  console.log(
    `load: ${options.workers} client worker threads in this process, one UDP socket per member; ` +
      `steps of ${options.sizes.stepMs} ms; scenarios ${options.scenarios.join(", ")}`,
  );
  const server = await ServerProcess.start({ flags: BENCH_SERVE_FLAGS, fastUdp: options.fastUdp });
  const interrupt = () => {
    server.stop().finally(() => Deno.exit(EXIT_INTERRUPTED));
  };
  Deno.addSignalListener("SIGINT", interrupt);
  try {
    const rows = await run(options, server);
    console.log(formatTable(rows));
    return 0;
  } catch (error) {
    console.error(`bench failed: ${(error as Error).stack ?? error}`);
    if (server.log.length > 0) console.error(`server said:\n${server.log.join("\n")}`);
    return EXIT_FAILURE;
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
    await server.stop();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
