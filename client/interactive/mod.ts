/**
 * The interactive mode of `kaiwa join`, for a person at a terminal: asks what the command line
 * left out, then a chat screen where messages appear above the line being typed.
 *
 * @module
 */

import type { JoinOptions } from "../options.ts";
import type { Reason } from "../reason.ts";
import { runInteractive } from "./run_interactive.ts";
import { ProcessTerminal } from "./terminal.ts";

export { type InteractiveDeps, runInteractive } from "./run_interactive.ts";
export type { Terminal } from "./terminal.ts";

/**
 * Runs the interactive client on the process's terminal (stdin must be one) and says how it
 * ended. Raw mode is on for the whole run and always restored, also on errors and when `stop`
 * is aborted (which ends the input: a question is given up, the chat is left).
 *
 * @throws {ClientError} when the server is unreachable or refuses what the command line asked.
 */
export async function joinInteractive(options: JoinOptions, stop: AbortSignal): Promise<Reason> {
  const terminal = ProcessTerminal.open(stop);
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
