/**
 * `kaiwa serve` starts without Deno's node compatibility layer: no module it loads at start
 * imports a `node:` module or an npm package, whose first import costs about 6 MiB of resident
 * memory and the whole layer about 11 (docs/performance.md, "What limits … Memory"). TLS, the
 * sessions' crypto, scrypt, the metrics, the cluster and certificate generation load on demand,
 * by dynamic imports. Checked on the module graph Deno itself resolves (`deno info --json`),
 * following static imports only; type-only imports load nothing and are not followed.
 *
 * @module
 */

import { deepStrictEqual, ok } from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** One module of `deno info --json`, as far as this test reads it. */
interface InfoModule {
  readonly specifier: string;
  readonly dependencies?: readonly {
    readonly code?: { readonly specifier: string };
    readonly isDynamic?: boolean;
  }[];
}

/** Deno's module graph from `entry` (a path from the root), dynamic imports included. */
async function moduleGraph(entry: string): Promise<Map<string, InfoModule>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  const { modules } = JSON.parse(new TextDecoder().decode(output.stdout));
  return new Map((modules as InfoModule[]).map((module) => [module.specifier, module]));
}

/**
 * The `node:` and npm modules reached from `roots` by static imports, each as the chain of
 * kaiwa's files that leads to it (`a.ts -> b.ts -> node:x`).
 */
function nodeModulesReached(graph: Map<string, InfoModule>, roots: readonly string[]): string[] {
  const name = (specifier: string) => specifier.replace(ROOT.href, "");
  const via = new Map<string, string>();
  const queue = roots.map((root) => new URL(root, ROOT).href);
  const seen = new Set(queue);
  const reached: string[] = [];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const dependency of graph.get(from)?.dependencies ?? []) {
      const to = dependency.code?.specifier;
      if (to === undefined || dependency.isDynamic === true || seen.has(to)) continue;
      seen.add(to);
      via.set(to, from);
      if (/^(node|npm):/.test(to)) {
        const chain = [to];
        for (let at = via.get(to); at !== undefined; at = via.get(at)) chain.unshift(name(at));
        reached.push(chain.join(" -> "));
      } else {
        queue.push(to);
      }
    }
  }
  return reached.sort();
}

Deno.test("kaiwa serve loads no node: module and no npm package at start", async () => {
  const graph = await moduleGraph("main.ts");
  // main.ts, then the serve command, which main.ts imports dynamically.
  deepStrictEqual(nodeModulesReached(graph, ["main.ts", "cli/run_serve.ts"]), []);
  // The check can fail: the client's TLS is a static import of `kaiwa join`.
  ok(
    nodeModulesReached(graph, ["cli/run_join.ts"]).some((chain) => chain.endsWith("node:tls")),
    "the walk sees client/secure_connect.ts import node:tls",
  );
});
