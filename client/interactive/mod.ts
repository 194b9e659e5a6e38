/**
 * The interactive mode of `kaiwa join`, for a person at a terminal: asks what the command line
 * left out, then a chat screen where messages appear above the line being typed.
 *
 * @module
 */

import { ProcessTerminal } from "./terminal.ts";
import type { JoinOptions } from "../options.ts";
import { runInteractive } from "./run_interactive.ts";

export { type InteractiveDeps, runInteractive } from "./run_interactive.ts";
export type { Terminal } from "./terminal.ts";

/**
 * Runs the interactive client on the process's terminal (stdin must be one) and returns the exit
 * code. Raw mode is on for the whole run and always restored, also on errors and stop signals.
 *
 * @throws {ClientError} when the server is unreachable or refuses what the command line asked.
 */
export async function joinInteractive(options: JoinOptions): Promise<number> {
  const terminal = ProcessTerminal.open();
  try {
    return await runInteractive(options, {
      terminal,
      traits: {
        noColor: Deno.env.get("NO_COLOR"),
        term: Deno.env.get("TERM"),
        colorTerm: Deno.env.get("COLORTERM"),
        isTerminal: Deno.stdout.isTerminal(),
      },
    });
  } finally {
    await terminal.close();
  }
}
