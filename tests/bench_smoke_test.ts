import { ok, strictEqual } from "node:assert/strict";
import { TARGETS } from "../bench/compare_table.ts";
import { ENCRYPTED_SCENARIOS, SCENARIOS } from "../bench/options.ts";

const REPO = new URL("..", import.meta.url);
/** What the verdict table shows for a figure that was not measured. */
const NOT_MEASURED = "-";
/** Cells of a verdict row (split on "|", so the first is empty): kaiwa, C, kaiwa ÷ C, met. */
const KAIWA_CELL = 3;
const C_CELL = 5;
const RATIO_CELL = 7;
const VERDICT_CELL = 10;
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
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-run",
      "--allow-read",
      "--allow-write=/tmp",
      "--allow-ffi",
      "bench/main.ts",
    ].concat(args),
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

/** Why `program` cannot run here (it is missing or fails `--version`), or null when it runs. */
async function missing(program: string): Promise<string | null> {
  try {
    const { success } = await new Deno.Command(program, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success ? null : `${program} --version failed`;
  } catch {
    return `${program} is not installed`;
  }
}

/** The reference relays need a C compiler and Python 3; without one, the comparison is skipped. */
const compareUnavailable = (await missing("cc")) ?? (await missing("python3"));
if (compareUnavailable !== null) {
  console.warn(`bench --compare smoke skipped: ${compareUnavailable}`);
}

Deno.test({
  name: "deno task bench --quick --compare runs four servers and prints a ratio row per target",
  ignore: compareUnavailable !== null,
  fn: async (t) => {
    const { code, output, errors } = await bench(["--quick", "--compare", "--rounds", "1"]);

    await t.step("it exits with status 0", () => {
      strictEqual(code, 0, `bench failed:\n${output}\n${errors}`);
    });

    await t.step("it prints a table per server", () => {
      strictEqual(output.split("\n").filter((line) => line.startsWith("| scenario ")).length, 4);
      for (const server of ["kaiwa", "kaiwa portable", "C relay", "Python relay"]) {
        ok(output.includes(`### ${server}:`), `no table for ${server} in:\n${output}`);
      }
    });

    await t.step(
      "the verdict has a row per target, with a ratio to C and a verdict wherever measured",
      () => {
        const verdict = output.slice(output.indexOf("| target "));
        let ratios = 0;
        for (const target of TARGETS) {
          const row = verdict.split("\n").find((line) => line.startsWith(`| ${target.id} `));
          ok(row !== undefined, `no row for target ${target.id} in:\n${verdict}`);
          const cells = row.split("|").map((cell) => cell.trim());
          // A figure is "-" where a server passed no rate of a ramp (its loss over the bound at
          // every rate): on a loaded machine that is a measurement, the C relay's too, not a
          // fault of the bench. The ratio and the verdict then say so, and nothing else.
          const [kaiwa, c] = [cells[KAIWA_CELL], cells[C_CELL]];
          if (kaiwa === NOT_MEASURED || c === NOT_MEASURED) {
            strictEqual(cells[RATIO_CELL], NOT_MEASURED, `${row}\n${verdict}`);
          } else {
            ok(/^\d+\.\d+×$/.test(cells[RATIO_CELL]), `no kaiwa ÷ C ratio in: ${row}`);
            ratios++;
          }
          const needed = target.goal.kind === "ratio" ? [kaiwa, c] : [kaiwa];
          if (needed.includes(NOT_MEASURED)) strictEqual(cells[VERDICT_CELL], "?", row);
          else ok(/^(met|NOT met)/.test(cells[VERDICT_CELL]), `no verdict in: ${row}`);
        }
        ok(ratios > 0, `no target measured on both kaiwa and the C relay:\n${output}`);
      },
    );
  },
});
