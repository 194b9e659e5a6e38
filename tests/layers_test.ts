/**
 * The layers of kaiwa, checked on the source: imports go down only, across a folder only through
 * its `mod.ts`, and the import graph has no cycle.
 *
 *   main.ts → cli/ → server/, client/ → protocol/ → util/
 *   server/state/ sees only protocol/, util/ and itself.
 *   server/web/ sees the TCP side, the state, TLS, protocol/ and util/: not the UDP transports.
 *   server/cluster/ sees the TCP side, the state, the UDP address type, protocol/ and util/; only
 *   server/server.ts loads it, by a dynamic import, and only it loads the NATS client.
 *
 * @module
 */

import { deepStrictEqual, ok } from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
/** The product's folders; tests, benchmarks, the soak and scripts may import anything. */
const PRODUCT = ["util", "protocol", "server", "client", "cli"];

/**
 * What each folder may import, by path prefix (the longest matching rule applies). Everything
 * imports its own folder and what lies below it.
 */
const ALLOWED: Record<string, readonly string[]> = {
  "util/": ["util/"],
  "protocol/": ["protocol/", "util/"],
  "server/state/": ["server/state/", "protocol/", "util/"],
  // The browser side reaches the rooms only through the TCP side's admission and the state's
  // datagram entry: never the UDP transports, which it stands beside.
  "server/web/": [
    "server/web/",
    "server/tcp/",
    "server/state/",
    "server/tls/",
    "server/listen.ts",
    "protocol/",
    "util/",
  ],
  // The cluster reaches the rooms through the TCP side's admission and the state's entry points,
  // and hands datagrams to the server's send function: never the transports themselves.
  "server/cluster/": [
    "server/cluster/",
    "server/tcp/",
    "server/state/",
    "server/udp/mod.ts",
    "protocol/",
    "util/",
  ],
  "server/": ["server/", "protocol/", "util/"],
  "client/": ["client/", "protocol/", "util/"],
  "cli/": ["cli/", "server/", "client/", "protocol/", "util/", "deno.json"],
  "main.ts": ["cli/", "deno.json"],
};

/**
 * Public entry points besides `mod.ts`: the option types and defaults, which the command line
 * parses into without loading the whole server or client (they load only for their command);
 * and the modules that import `node:` ones, which the server loads only when it needs them
 * (tests/start_footprint_test.ts).
 */
const EXTRA_ENTRY_POINTS: ReadonlySet<string> = new Set([
  "server/options.ts",
  "client/options.ts",
  "protocol/sealing.ts",
  "util/tls_conn.ts",
]);

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every TypeScript file of the product, as paths relative to the root. */
function productFiles(): string[] {
  const files = ["main.ts"];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(join(ROOT, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".ts")) files.push(path);
    }
  };
  for (const folder of PRODUCT) walk(folder);
  return files.sort();
}

/** The kaiwa files `file` imports (relative specifiers only), as paths relative to the root. */
function importsOf(file: string): string[] {
  const source = Deno.readTextFileSync(join(ROOT, file));
  const targets: string[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (!specifier.startsWith(".")) continue;
    targets.push(relative(ROOT, resolve(ROOT, dirname(file), specifier)));
  }
  return targets;
}

function rulesFor(file: string): readonly string[] {
  const key = Object.keys(ALLOWED)
    .filter((prefix) => file === prefix || file.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return ALLOWED[key];
}

/** The folder whose `mod.ts` must be used to reach `target` from `file`, if any. */
function bypassedModule(file: string, target: string): string | null {
  const folder = dirname(target);
  // A file may reach into its own folder and into its parents' folders freely.
  if (dirname(file) === folder || dirname(file).startsWith(`${folder}/`)) return null;
  if (target.endsWith("/mod.ts") || EXTRA_ENTRY_POINTS.has(target)) return null;
  try {
    Deno.statSync(join(ROOT, folder, "mod.ts"));
  } catch {
    return null;
  }
  return `${folder}/mod.ts`;
}

function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "visiting");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle !== null) return cycle;
  }
  return null;
}

const files = productFiles();
const graph = new Map(files.map((file) => [file, importsOf(file)]));

Deno.test("the layer check reads imports of every form", () => {
  ok(files.length > 50, `only ${files.length} files found`);
  ok(graph.get("main.ts")!.includes("cli/main_command.ts"), "a static import");
  ok(graph.get("protocol/mod.ts")!.includes("protocol/tcrp.ts"), "a re-export");
  ok([...graph.values()].flat().some((target) => target.endsWith("run_serve.ts")), "import()");
});

Deno.test("imports go down the layers only", () => {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const allowed = rulesFor(file);
    for (const target of targets) {
      if (!allowed.some((prefix) => target === prefix || target.startsWith(prefix))) {
        upward.push(`${file} imports ${target}`);
      }
    }
  }
  deepStrictEqual(upward, []);
});

Deno.test("another folder is reached through its mod.ts", () => {
  const bypasses: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const module = bypassedModule(file, target);
      if (module !== null) bypasses.push(`${file} imports ${target}, not ${module}`);
    }
  }
  deepStrictEqual(bypasses, []);
});

Deno.test("the import graph has no cycle", () => {
  deepStrictEqual(findCycle(graph), null);
});

/** Static imports (types aside) and dynamic ones of `file`, as written. */
function specifiersOf(file: string): { static: string[]; dynamic: string[] } {
  const source = Deno.readTextFileSync(join(ROOT, file));
  const found = { static: [] as string[], dynamic: [] as string[] };
  for (const match of source.matchAll(IMPORT)) {
    if (match[2] !== undefined) found.dynamic.push(match[2]);
    else if (!/^\s*(?:import|export)\s+type\b/.test(match[0].trimStart())) {
      found.static.push(match[1]);
    }
  }
  return found;
}

Deno.test("a single node never loads the cluster: server.ts imports it dynamically, alone", () => {
  const loaders: string[] = [];
  const nats: string[] = [];
  for (const file of files) {
    const { static: statics, dynamic } = specifiersOf(file);
    const inCluster = file.startsWith("server/cluster/");
    for (const specifier of statics) {
      if (specifier.startsWith("@nats-io/") && !inCluster) nats.push(file);
      const target = specifier.startsWith(".")
        ? relative(ROOT, resolve(ROOT, dirname(file), specifier))
        : specifier;
      if (target.startsWith("server/cluster/") && !inCluster) loaders.push(`${file} (static)`);
    }
    for (const specifier of dynamic) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
      if (target.startsWith("server/cluster/")) loaders.push(file);
    }
  }
  deepStrictEqual(loaders, ["server/server.ts"]);
  deepStrictEqual(nats, []);
  ok(
    specifiersOf("server/cluster/cluster_node.ts").static.includes("@nats-io/transport-node"),
    "the check sees the NATS import",
  );
});
