/**
 * Replies from the address the client used (docs/protocol.md §2.6): a server on the wildcard
 * host, in a private network namespace (`unshare -rn`) whose loopback holds two addresses,
 * answers a member that sent to 10.77.0.2 from 10.77.0.2, not from the address the routing table
 * prefers (10.77.0.1). Skipped, with the reason, where such a namespace cannot be made.
 */

import { deepStrictEqual } from "node:assert/strict";

const SETUP =
  "ip link set lo up && ip addr add 10.77.0.1/32 dev lo && ip addr add 10.77.0.2/32 dev lo";
const PROBE = new URL("./wildcard_probe.ts", import.meta.url).pathname;

/** Runs `script` in a new network namespace; null when one cannot be made here. */
async function inNamespace(script: string): Promise<{ code: number; out: string; err: string }> {
  const output = await new Deno.Command("unshare", {
    args: ["-rn", "sh", "-c", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    out: decoder.decode(output.stdout),
    err: decoder.decode(output.stderr),
  };
}

async function namespaceUnavailable(): Promise<string | null> {
  if (Deno.build.os !== "linux") return "network namespaces are Linux only";
  try {
    const probe = await inNamespace(SETUP);
    return probe.code === 0 ? null : `unshare -rn or ip failed: ${probe.err.trim()}`;
  } catch (error) {
    return `unshare cannot run: ${(error as Error).message}`;
  }
}

const unavailable = await namespaceUnavailable();
if (unavailable !== null) console.warn(`skipping the wildcard reply-address test: ${unavailable}`);

Deno.test({
  name: "on a wildcard host, replies leave from the address the member sent to",
  ignore: unavailable !== null,
  fn: async () => {
    const deno = Deno.execPath();
    const run = await inNamespace(
      `${SETUP} && exec "${deno}" run --allow-net --allow-sys=networkInterfaces "${PROBE}"`,
    );
    deepStrictEqual(run.code, 0, run.err);
    deepStrictEqual(JSON.parse(run.out), {
      joined: { text: "* bob joined", from: "10.77.0.2" },
      chat: { text: "bob: hello", from: "10.77.0.2" },
    });
  },
});
