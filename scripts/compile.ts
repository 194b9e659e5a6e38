/**
 * Builds the single `kaiwa` binary for every target `deno compile` supports, into
 * `dist/kaiwa-<target>[.exe]`. Run it with `deno task compile [--target T]... [--output DIR]`.
 *
 * `deno compile` downloads the runtime it wraps (denort) for each target. Where that download is
 * impossible, set `DENORT_BIN=/path/to/denort`: deno then uses that local runtime, which can only
 * run on this machine, so only the host target is built.
 *
 * Exits 0 when every requested target was built, 1 when any failed (one line each says why),
 * 2 for a bad command line.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Every target `deno compile --target` accepts in Deno 2.9.6. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
  "aarch64-pc-windows-msvc",
] as const;

/**
 * What the program may do, baked into the binary: talk on the network, read its environment
 * (`KAIWA_DEBUG`, `--password-env`), and call libc's sendmmsg/recvmmsg for `kaiwa serve`'s
 * batched UDP path on Linux, and list the local addresses (`kaiwa serve` on a wildcard host answers
 * each member from the address it sent to), read and write its data directory (the server's TLS
 * identity, the client's known_servers) and the --tls-cert/--tls-key files; nothing else.
 * `--unstable-net` enables UDP sockets.
 */
const PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-ffi",
  "--allow-sys=networkInterfaces",
  "--unstable-net",
];

/**
 * V8 flags of the compiled binary, the same as `deno task serve`'s (deno.json) and the benchmark's
 * server: a young generation of at most 1 MiB per semi-space instead of V8's 16 MiB. Under load
 * the scavenger otherwise grows it to its maximum and keeps the pages, tens of MiB of resident
 * memory a relay that makes little garbage does not need (docs/performance.md: 3.4 → 2.8 KiB per
 * member at 100,000 members, the relay's CPU per message unchanged). And an old generation that
 * may grow to twice what survived its last full collection before the next one, instead of up to
 * four times when V8 judges the collector fast: joins leave much garbage there (connections,
 * promises), and a server that grew its limit during a burst keeps those pages (docs/performance.md:
 * 1.8 → 1.2–1.3 KiB per member at 100,000 members, for about 10% more CPU per join).
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=1,--heap-growing-percent=100";

/** The environment variable naming a local denort. */
const DENORT_VARIABLE = "DENORT_BIN";

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

const USAGE = `Usage: deno task compile [--target T]... [--output DIR]

Builds dist/kaiwa-<target>[.exe] for every target (or only the given ones).
Targets: ${TARGETS.join(", ")}
With ${DENORT_VARIABLE}=/path/to/denort, builds the host target only, offline.`;

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The file name of the binary for `target`. */
export function binaryName(target: string): string {
  return `kaiwa-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/**
 * Picks one line out of `deno compile`'s error output. It reports failures as an `error:` line
 * followed by a numbered "Caused by" chain; the longest cause is the one that names what went
 * wrong (e.g. the download URL and the DNS error), the outer ones only say where.
 */
export function failureReason(stderr: string, code: number): string {
  const lines = stderr.split("\n").map((line) => line.trim());
  const causes = lines
    .filter((line) => /^\d+: /.test(line))
    .map((line) => line.replace(/^\d+: /, ""));
  if (causes.length > 0) return causes.reduce((a, b) => (b.length > a.length ? b : a));
  const error = lines.find((line) => line.startsWith("error: "));
  if (error !== undefined) return error.slice("error: ".length);
  return `deno compile exited with code ${code}`;
}

/** Builds one target; returns null on success, else the one-line reason. */
async function compile(target: string, output: string): Promise<string | null> {
  const args = [
    "compile",
    "--config",
    join(ROOT, "deno.json"),
    ...PERMISSIONS,
    V8_FLAGS,
    "--target",
    target,
    "--output",
    join(output, binaryName(target)),
    join(ROOT, "main.ts"),
  ];
  const command = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  return code === 0 ? null : failureReason(new TextDecoder().decode(stderr), code);
}

/** Works out the targets to build; null (after printing why) when the command line is bad. */
function chooseTargets(requested: string[], localRuntime: string | undefined): string[] | null {
  const unknown = requested.filter((target) => !(TARGETS as readonly string[]).includes(target));
  if (unknown.length > 0) {
    console.error(`compile: Unknown target '${unknown[0]}'\n${USAGE}`);
    return null;
  }
  const host = Deno.build.target;
  if (localRuntime === undefined) return requested.length > 0 ? requested : [...TARGETS];
  const others = requested.filter((target) => target !== host);
  if (others.length > 0) {
    console.error(
      `compile: ${DENORT_VARIABLE} is set, so only the host target ${host} can be built, ` +
        `not ${others.join(", ")}`,
    );
    return null;
  }
  console.log(
    `${DENORT_VARIABLE} is set (${localRuntime}): building only the host target ${host}, ` +
      "since a local runtime cannot build for other targets",
  );
  return [host];
}

/** Builds the requested targets and returns the exit code. */
async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        target: { type: "string", multiple: true },
        output: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`compile: ${error instanceof Error ? error.message : error}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const localRuntime = Deno.env.get(DENORT_VARIABLE) || undefined;
  const targets = chooseTargets(values.target ?? [], localRuntime);
  if (targets === null) return EXIT_USAGE;
  const output = values.output ?? join(ROOT, "dist");
  await Deno.mkdir(output, { recursive: true });

  const failed: string[] = [];
  for (const target of targets) {
    // One at a time: each build is CPU- and memory-heavy.
    const reason = await compile(target, output);
    if (reason === null) {
      console.log(`built   ${join(output, binaryName(target))}`);
    } else {
      console.log(`FAILED  ${target}: ${reason}`);
      failed.push(target);
    }
  }
  console.log(`${targets.length - failed.length} of ${targets.length} targets built`);
  if (failed.length > 0 && localRuntime === undefined) {
    console.log(
      `deno compile downloads denort for each target; offline, set ${DENORT_VARIABLE}=/path/to/denort ` +
        "to build the host target",
    );
  }
  return failed.length === 0 ? 0 : EXIT_FAILED;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
