/**
 * The attacker's tool (issue 10; not part of CI): replays each known attack on a kaiwa server,
 * one at a time, while a small legit room chats and joins, and prints what the attack did to
 * the legit room and to the server.
 *
 * ```sh
 * ulimit -n 20000   # attacks 4, 5, 7 and 10 open thousands of sockets
 * deno task attack [--attack 1,4] [--seconds 15] [--json]
 * ```
 *
 * Each attack gets a fresh `kaiwa serve` child process at its default limits (`--udp fast` or
 * `--lobby-port` where the attack needs them); `--port P [--pid PID]` attacks a server already
 * running on 127.0.0.1 instead. Everything talks to and from 127.0.0.0/8 only. Attack 9 runs
 * `python3` as root to forge ICMP; without either it fails alone and the others still run.
 *
 * @module
 */

import { ATTACKS } from "./attacks/catalog.ts";
import { parseOptions, USAGE } from "./attacks/options.ts";
import { type AttackFailure, jsonReport, markdownTable } from "./attacks/report.ts";
import { type AttackResult, runAttack } from "./attacks/runner.ts";
import { verdict } from "./attacks/verdict.ts";

/** Below this many open files, the socket-hungry attacks fail with EMFILE. */
const WANTED_OPEN_FILES = 12_000;

async function openFileLimit(): Promise<number | null> {
  try {
    const limits = await Deno.readTextFile("/proc/self/limits");
    const match = /^Max open files\s+(\d+)/m.exec(limits);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const options = parseOptions(Deno.args);
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const limit = await openFileLimit();
  if (limit !== null && limit < WANTED_OPEN_FILES) {
    console.error(`attack: open-file limit is ${limit}; run \`ulimit -n 20000\` first`);
  }
  const chosen = options.attacks.length === 0 ? ATTACKS : options.attacks.map((id) => {
    const attack = ATTACKS.find((a) => a.id === id);
    if (attack === undefined) throw new Error(`no attack ${id}; there are 1 to ${ATTACKS.length}`);
    return attack;
  });
  const results: (AttackResult | AttackFailure)[] = [];
  for (const attack of chosen) {
    console.error(`attack ${attack.id}: ${attack.title}`);
    try {
      const result = await runAttack(attack, options);
      console.error(
        `attack ${attack.id}: ${result.figure.text}; ${
          verdict(result.legit, result.figure.concern)
        }`,
      );
      results.push(result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`attack ${attack.id} failed: ${message}`);
      results.push({ id: attack.id, title: attack.title, error: message });
    }
  }
  const settings = {
    seconds: options.durationMs / 1000,
    external: options.external,
    cores: navigator.hardwareConcurrency,
    date: new Date().toISOString(),
  };
  console.log(options.json ? jsonReport(results, settings) : markdownTable(results));
  return 0;
}

if (import.meta.main) Deno.exit(await main());
