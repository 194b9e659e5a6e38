/**
 * Where kaiwa keeps its files when `--data-dir` is not given: the server's TLS identity and the
 * client's `known_servers`, in the platform's directory for an application's state.
 *
 * @module
 */

/** The folder's name inside the platform's state directory. */
const APP_FOLDER = "kaiwa";

import { UsageError } from "./usage_error.ts";

/** Thrown when the platform's state directory cannot be found (no HOME and no XDG_STATE_HOME). */
export class NoDataDirError extends UsageError {
  /** The error, with its advice: `--data-dir`. */
  constructor() {
    super("cannot find a data directory (no HOME or LOCALAPPDATA set): give --data-dir");
    this.name = "NoDataDirError";
  }
}

/**
 * The default data directory: `$XDG_STATE_HOME/kaiwa` or `~/.local/state/kaiwa` (Linux and other
 * Unix, per the XDG Base Directory specification), `~/Library/Application Support/kaiwa`
 * (macOS), `%LOCALAPPDATA%\kaiwa` (Windows).
 *
 * @throws {NoDataDirError} when the variables it is built from are unset.
 */
export function defaultDataDir(
  os: typeof Deno.build.os = Deno.build.os,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const nonEmpty = (name: string) => {
    const value = env(name);
    return value === undefined || value === "" ? undefined : value;
  };
  if (os === "windows") {
    const local = nonEmpty("LOCALAPPDATA");
    if (local === undefined) throw new NoDataDirError();
    return `${local}\\${APP_FOLDER}`;
  }
  const home = nonEmpty("HOME");
  if (os === "darwin") {
    if (home === undefined) throw new NoDataDirError();
    return `${home}/Library/Application Support/${APP_FOLDER}`;
  }
  const state = nonEmpty("XDG_STATE_HOME");
  if (state !== undefined) return `${state}/${APP_FOLDER}`;
  if (home === undefined) throw new NoDataDirError();
  return `${home}/.local/state/${APP_FOLDER}`;
}
