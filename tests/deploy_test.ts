import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { envName } from "../cli/environment.ts";
import { parseServeArgs, SERVE_FLAGS } from "../cli/serve_command.ts";
import { DEFAULT_SERVE_OPTIONS } from "../server/options.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string) => Deno.readTextFile(`${ROOT}${path}`);

/** Whether `systemd-analyze` can be run here. */
function hasSystemdAnalyze(): boolean {
  try {
    return new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test("deploy/kaiwa.env sets only serve flags, each with a value kaiwa serve accepts", async () => {
  const names = new Set(SERVE_FLAGS.map((spec) => envName(spec.name)));
  const settings = (await read("deploy/kaiwa.env")).split("\n")
    .map((line) => line.replace(/^#/, "").match(/^(KAIWA_[A-Z_]+)=(.*)$/))
    .filter((found) => found !== null);
  ok(settings.length >= 5);
  for (const [, name, value] of settings) {
    ok(names.has(name), `${name} is no kaiwa serve flag`);
    parseServeArgs([], { [name]: value });
  }
  const active = Object.fromEntries(
    (await read("deploy/kaiwa.env")).split("\n").filter((line) => line.startsWith("KAIWA_"))
      .map((line) => line.split("=", 2)),
  );
  const options = parseServeArgs([], active);
  strictEqual(options.metricsHost, "127.0.0.1", "metrics stay on loopback");
  strictEqual(options.port, DEFAULT_SERVE_OPTIONS.port);
});

Deno.test("deploy/90-kaiwa.conf has the receive buffer figures of docs/performance.md", async () => {
  const figures = (text: string, pattern: RegExp) =>
    [...text.matchAll(pattern)].map(([, key, value]) => `${key}=${value}`).sort();
  const snippet = figures(await read("deploy/90-kaiwa.conf"), /^(net\.core\.\w+) = (\d+)$/gm);
  const documented = figures(
    await read("docs/performance.md"),
    /^sudo sysctl -w (net\.core\.\w+)=(\d+)$/gm,
  );
  deepStrictEqual(snippet, documented);
  deepStrictEqual(snippet, ["net.core.rmem_default=4194304", "net.core.rmem_max=8388608"]);
});

Deno.test("deploy/kaiwa.service is hardened, needs no capability on port 9001, and verifies", async (t) => {
  const unit = await read("deploy/kaiwa.service");
  const set = (line: string) => unit.split("\n").includes(line);
  for (
    const line of [
      "ExecStart=/usr/local/bin/kaiwa serve",
      "DynamicUser=yes",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "CapabilityBoundingSet=",
      "KillSignal=SIGTERM",
    ]
  ) ok(set(line), line);
  ok(!/^AmbientCapabilities=/m.test(unit), "no capability for a port above 1024");
  ok(!/^ExecReload=/m.test(unit), "no reload: SIGHUP stops kaiwa");
  await t.step({
    name: "systemd-analyze verify",
    ignore: !hasSystemdAnalyze(),
    fn: async () => {
      // The binary is not installed here: the copy runs /usr/bin/true instead.
      const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-unit-" });
      try {
        const copy = `${dir}/kaiwa.service`;
        await Deno.writeTextFile(copy, unit.replaceAll("/usr/local/bin/kaiwa", "/usr/bin/true"));
        const { success, stderr } = await new Deno.Command("systemd-analyze", {
          args: ["verify", copy],
          stdout: "null",
        }).output();
        const complaints = new TextDecoder().decode(stderr);
        ok(success, complaints);
        strictEqual(complaints, "");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
});

Deno.test("deploy/Dockerfile compiles in one stage, runs in another, and exposes TCP and UDP 9001", async () => {
  const dockerfile = await read("deploy/Dockerfile");
  strictEqual([...dockerfile.matchAll(/^FROM /gm)].length, 2);
  ok(/^RUN deno task compile /m.test(dockerfile));
  ok(/^EXPOSE 9001\/tcp 9001\/udp$/m.test(dockerfile));
  ok(/^COPY --from=build \/out\/kaiwa /m.test(dockerfile));
});
