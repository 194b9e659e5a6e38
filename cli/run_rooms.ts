/**
 * Running `kaiwa rooms`: ask the server for its rooms, print them, and turn a failure into one
 * line on stderr and the exit code `kaiwa join` would end with.
 *
 * @module
 */

import {
  ClientError,
  formatRoomList,
  LineOutput,
  listRooms,
  pinnedNotice,
  serverAddressOf,
} from "../client/mod.ts";
import { defaultDataDir } from "./data_dir.ts";
import { ExitCode } from "./exit_codes.ts";
import { describeFailure, exitCodeFor } from "./join_reasons.ts";
import type { RoomsOptions } from "./rooms_command.ts";

/**
 * Lists the rooms on stdout and returns 0, or says why not on stderr and returns its code; a
 * server pinned on first use is said on stderr too, so stdout stays the list a script reads.
 */
export async function rooms(options: RoomsOptions): Promise<ExitCode> {
  // The known-servers file is needed unless the pin is given or there is no TLS.
  if (!options.insecurePlaintext && options.fingerprint === null && options.dataDir === null) {
    options = { ...options, dataDir: defaultDataDir() };
  }
  const errors = new LineOutput(Deno.stderr);
  try {
    const server = serverAddressOf(options, (pin) => errors.line(`kaiwa: ${pinnedNotice(pin)}`));
    const list = await listRooms(server);
    const output = new LineOutput(Deno.stdout);
    for (const line of formatRoomList(list, options.json)) output.line(line);
    await output.flush();
    return ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    errors.line(`kaiwa: ${describeFailure(error)}`);
    return exitCodeFor(error.reason);
  } finally {
    await errors.flush();
  }
}
