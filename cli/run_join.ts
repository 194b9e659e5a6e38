/**
 * Running `kaiwa join` as a process: it picks interactive or pipe mode from whether stdin is a
 * terminal, hands the client the process's streams and stop signals, and turns how the client
 * ended into one line on stderr and an exit code.
 *
 * @module
 */

import {
  ClientError,
  joinInteractive,
  type JoinOptions,
  LineOutput,
  LineReader,
  pinnedNotice,
  type Reason,
  runPipeMode,
  serverAddressOf,
} from "../client/mod.ts";
import { InvalidTextError, MAX_DATAGRAM_SIZE, validateName } from "../protocol/mod.ts";
import { defaultDataDir } from "./data_dir.ts";
import { ExitCode } from "./exit_codes.ts";
import { oneLine } from "./flags.ts";
import { describeFailure, exitCodeFor } from "./join_reasons.ts";
import { readPipePassword } from "./pipe_password.ts";
import { listenForStop } from "./stop_signals.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Runs the client and returns its exit code. Expected failures (a refusal, an unreachable server,
 * a command line pipe mode cannot run) print one sentence on stderr.
 */
export async function join(options: JoinOptions): Promise<ExitCode> {
  const errors = new LineOutput(Deno.stderr);
  const invalid = invalidName(options);
  if (invalid !== null) return await fail(errors, invalid, ExitCode.InvalidName);
  try {
    // The known-servers file is needed unless the pin is given or there is no TLS.
    if (!options.insecurePlaintext && options.fingerprint === null && options.dataDir === null) {
      options = { ...options, dataDir: defaultDataDir() };
    }
    const reason = Deno.stdin.isTerminal()
      ? await joinWithTerminal(options)
      : await joinWithPipes(options, errors);
    return exitCodeFor(reason);
  } catch (error) {
    if (error instanceof ClientError) {
      return await fail(errors, describeFailure(error), exitCodeFor(error.reason));
    }
    if (error instanceof UsageError) return await fail(errors, error.message, ExitCode.Usage);
    throw error;
  }
}

/**
 * Why the room name or username of the command line breaks the naming rules (§1.2), or null:
 * said before connecting, with the exit code of a name the server refuses, instead of a
 * request that cannot even be encoded (a name over 255 bytes).
 */
function invalidName(options: JoinOptions): string | null {
  const names: [string | null, string, string][] = [
    [options.room, "ROOM", "room name"],
    [options.name, "--name", "username"],
  ];
  for (const [name, flag, what] of names) {
    if (name === null) continue;
    try {
      validateName(name, what);
    } catch (error) {
      if (!(error instanceof InvalidTextError)) throw error;
      return `${flag}: ${error.message}`;
    }
  }
  return null;
}

/** The interactive client; a stop signal ends it the way the end of input does. */
async function joinWithTerminal(options: JoinOptions): Promise<Reason> {
  // JSON lines are pipe mode's output: said, rather than silently ignored.
  if (options.json) throw new UsageError("--json is for pipe mode: stdin must not be a terminal");
  const stop = listenForStop();
  try {
    return await joinInteractive(options, stop.signal);
  } finally {
    stop.remove();
  }
}

/** Pipe mode: stdin's lines (after the password line, if any) are the messages. */
async function joinWithPipes(options: JoinOptions, errors: LineOutput): Promise<Reason> {
  const { room, name } = options;
  if (room === null || name === null) {
    throw new UsageError("ROOM and --name are required when stdin is not a terminal");
  }
  const input = new LineReader(Deno.stdin.readable, { maxLineBytes: MAX_DATAGRAM_SIZE });
  const password = await readPipePassword(options.password, input);
  return await runPipeMode({
    // On stderr: stdout is the room's events, which a script reads.
    server: serverAddressOf(options, (pin) => errors.line(`kaiwa: ${pinnedNotice(pin)}`)),
    request: { room, name, password, create: options.create },
    json: options.json,
    input,
    output: new LineOutput(Deno.stdout),
    errors,
  });
}

/**
 * Prints `message` as the one line of an expected failure (names in it may hold controls: they
 * are shown, not acted on), and passes its exit code on.
 */
async function fail(errors: LineOutput, message: string, code: ExitCode): Promise<ExitCode> {
  errors.line(`kaiwa: ${oneLine(message)}`);
  await errors.flush();
  return code;
}
