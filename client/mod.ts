/**
 * `kaiwa join`: the terminal client. Interactive when stdin is a terminal; otherwise pipe mode,
 * one message per input line and one event per output line.
 *
 * @module
 */

import { ExitCode } from "../cli/exit_codes.ts";
import { enterRoom } from "./enter_room.ts";
import { ClientError } from "./errors.ts";
import { joinInteractive } from "./interactive/mod.ts";
import { LineReader } from "./line_reader.ts";
import type { JoinOptions } from "./options.ts";
import { LineOutput } from "./output.ts";
import { readPasswordWithoutTerminal } from "./password_source.ts";
import { runPipeMode } from "./pipe_mode.ts";
import { endMessage, exitCodeFor } from "./session_end.ts";

export type { JoinOptions } from "./options.ts";
export { ClientError } from "./errors.ts";

/**
 * Runs the client and returns its exit code. Expected failures print one sentence on stderr.
 */
export async function join(options: JoinOptions): Promise<number> {
  const errors = new LineOutput(Deno.stderr);
  try {
    return Deno.stdin.isTerminal()
      ? await joinInteractive(options)
      : await joinWithPipes(options, errors);
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    errors.line(`kaiwa: ${error.message}`);
    await errors.flush();
    return error.exitCode;
  }
}

async function joinWithPipes(options: JoinOptions, errors: LineOutput): Promise<number> {
  if (options.room === null || options.name === null) {
    throw new ClientError(
      "ROOM and --name are required when stdin is not a terminal",
      ExitCode.Usage,
    );
  }
  const input = new LineReader(Deno.stdin.readable);
  const password = await readPasswordWithoutTerminal(options.password, input);
  const entry = await enterRoom(options, {
    room: options.room,
    name: options.name,
    password,
    create: options.create,
  });
  const end = await runPipeMode({
    entry,
    room: options.room,
    name: options.name,
    json: options.json,
    input,
    output: new LineOutput(Deno.stdout),
    errors,
  });
  const message = endMessage(end);
  if (message !== null) errors.line(`kaiwa: ${message}`);
  await errors.flush();
  return exitCodeFor(end);
}
