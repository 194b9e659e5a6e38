import { ok, strictEqual } from "node:assert/strict";
import { ENCRYPTED_SCENARIOS, SCENARIOS } from "../bench/options.ts";

const REPO = new URL("..", import.meta.url);
const decoder = new TextDecoder();

/** The first cell of every row of the Markdown table in `output`, the header's included. */
function scenarioCells(output: string): string[] {
  // The rule under the header starts with "|-", so it is left out.
  const lines = output.split("\n").filter((line) => line.startsWith("| "));
  return lines.map((line) => line.split("|")[1].trim());
}

/** Runs `deno task bench` with `args`; its exit code, its stdout and its stderr. */
async function bench(args: string[]): Promise<{ code: number; output: string; errors: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-run", "--allow-read", "bench/main.ts"]
      .concat(args),
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, output: decoder.decode(stdout), errors: decoder.decode(stderr) };
}

Deno.test("deno task bench --quick runs every scenario and prints one table", async (t) => {
  const { code, output, errors } = await bench(["--quick"]);

  await t.step("it exits with status 0", () => {
    strictEqual(code, 0, `bench failed:\n${output}\n${errors}`);
  });

  await t.step("the table has a row for each scenario", () => {
    const cells = scenarioCells(output);
    strictEqual(cells[0], "scenario");
    for (const scenario of SCENARIOS) {
      ok(
        cells.some((cell) => cell.startsWith(`${scenario} `)),
        `no row for scenario ${scenario} in:\n${output}`,
      );
    }
  });

  await t.step("the table is printed once", () => {
    strictEqual(output.split("\n").filter((line) => line.startsWith("| scenario ")).length, 1);
  });
});

Deno.test("deno task bench --quick --encrypted runs the chat scenarios with sealed sessions", async (t) => {
  const { code, output, errors } = await bench(["--quick", "--encrypted"]);

  await t.step("it exits with status 0", () => {
    strictEqual(code, 0, `bench failed:\n${output}\n${errors}`);
  });

  await t.step("it says its members are sealed, and has a row per chat scenario", () => {
    ok(output.includes("every datagram sealed both ways"), output);
    const rows = output.split("\n").filter((line) => line.startsWith("| "));
    for (const scenario of ENCRYPTED_SCENARIOS) {
      ok(
        rows.some((row) => row.startsWith(`| ${scenario} `)),
        `no row for scenario ${scenario} in:\n${output}`,
      );
    }
  });

  await t.step("no sealed datagram failed to open", () => {
    ok(!output.includes("did not open"), output);
  });
});
