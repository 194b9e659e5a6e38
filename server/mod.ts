/**
 * The kaiwa server: `serve` runs it in the foreground for `kaiwa serve`; `startServer` runs it
 * programmatically (tests, embedding) and returns a handle.
 *
 * @module
 */

export { FAULT_LOG_INTERVAL_MS, FaultLog } from "./faults.ts";
export { ListenError } from "./listen.ts";
export { Logger, type LogSink } from "./log.ts";
export { DEFAULT_SERVE_OPTIONS, type LogLevel, type ServeOptions } from "./options.ts";
export { type PasswordHash, type PasswordHasher, scryptHasher } from "./password.ts";
export { serve } from "./serve.ts";
export {
  JOIN_FLUSH_INTERVAL_MS,
  type ServerDeps,
  type ServerHandle,
  SHUTDOWN_DRAIN_MS,
  startServer,
  SWEEP_INTERVAL_MS,
} from "./server.ts";
