/**
 * The kaiwa server: `startServer` binds and runs it and returns a handle (`kaiwa serve` runs it in
 * the foreground from `cli/run_serve.ts`; tests and embedders call it directly).
 *
 * @module
 */

export { FAULT_LOG_INTERVAL_MS, FaultLog } from "./faults.ts";
export { formatHostPort, ListenError } from "./listen.ts";
export { Logger, type LogSink, stderrSink } from "./log.ts";
export {
  DEFAULT_SERVE_OPTIONS,
  LOG_FORMATS,
  type LogFormat,
  type LogLevel,
  type ServeOptions,
  UDP_PATHS,
  type UdpPath,
} from "./options.ts";
export { type PasswordHash, type PasswordHasher, scryptHasher } from "./password.ts";
export { IdentityError } from "./tls/mod.ts";
export { type ServerDeps, type ServerHandle, startServer } from "./server.ts";
