import { ok, strictEqual } from "node:assert/strict";
import { SCENARIOS } from "../bench/options.ts";

const REPO = new URL("..", import.meta.url);
const decoder = new TextDecoder();

/** The first cell of every row of the Markdown table in `output`, the header's included. */
function scenarioCells(output: string): string[] {
  // The rule under the header starts with "|-", so it is left out.
  const lines = output.split("\n").filter((line) => line.startsWith("| "));
  return lines.map((line) => line.split("|")[1].trim());
}

Deno.test("deno task bench --quick runs every scenario and prints one table", async (t) => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-run",
      "--allow-read",
      "bench/main.ts",
      "--quick",
    ],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = decoder.decode(stdout);

  await t.step("it exits with status 0", () => {
    strictEqual(code, 0, `bench failed:\n${output}\n${decoder.decode(stderr)}`);
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
