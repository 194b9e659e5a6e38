/**
 * The `kaiwa` command: `kaiwa serve` runs the chat server, `kaiwa join` the client, `kaiwa rooms`
 * lists a server's rooms.
 *
 * ```sh
 * deno run --allow-net --allow-env main.ts serve --port 9001
 * deno run --allow-net --allow-env main.ts join lobby --name alice --create
 * ```
 *
 * Set `KAIWA_DEBUG=1` to get the stack trace of an unexpected error.
 *
 * @module
 */

import config from "./deno.json" with { type: "json" };
import { readEnvironment } from "./cli/environment.ts";
import { ExitCode } from "./cli/exit_codes.ts";
import { oneLine } from "./cli/flags.ts";
import { parseMainArgs } from "./cli/main_command.ts";
import { DEBUG_VARIABLE, formatUnexpectedError } from "./cli/unexpected_error.ts";
import { UsageError, usageHint } from "./cli/usage_error.ts";

/** Runs the command line `args` and returns the exit code. */
async function main(args: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseMainArgs(args, readEnvironment());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`kaiwa: ${oneLine(error.message)}\n${usageHint(error.usage)}`);
    return ExitCode.Usage;
  }
  switch (command.kind) {
    case "help":
      console.log(command.usage);
      return ExitCode.Ok;
    case "version":
      console.log(`kaiwa ${config.version}`);
      return ExitCode.Ok;
    // Loaded on demand: help, version and usage errors never load the server or the client,
    // and each command loads only its own side.
    case "serve": {
      const { serve } = await import("./cli/run_serve.ts");
      return await serve(command.options);
    }
    case "join": {
      const { join } = await import("./cli/run_join.ts");
      return await join(command.options);
    }
    case "rooms": {
      const { rooms } = await import("./cli/run_rooms.ts");
      return await rooms(command.options);
    }
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    console.error(formatUnexpectedError(error, Deno.env.get(DEBUG_VARIABLE) === "1"));
    code = ExitCode.Failure;
  }
  Deno.exit(code);
}
