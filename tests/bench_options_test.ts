import { deepStrictEqual, throws } from "node:assert/strict";
import { parseBenchArgs, SCENARIOS } from "../bench/options.ts";

const scenariosOf = (args: string[]) => {
  const options = parseBenchArgs(args);
  if (options === "help") throw new Error("help");
  return options.scenarios;
};

Deno.test("bench options: (e), the cluster, runs by default but is never compared", () => {
  deepStrictEqual(scenariosOf([]), SCENARIOS);
  deepStrictEqual(scenariosOf(["--scenario", "e"]), ["e"]);
  deepStrictEqual(scenariosOf(["--compare"]), ["a", "b", "c", "d"]);
  throws(
    () => parseBenchArgs(["--compare", "--scenario", "e"]),
    /Unknown scenario "e" with --compare/,
  );
  throws(() => parseBenchArgs(["--encrypted", "--scenario", "e"]), /with --encrypted/);
});
