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
export { type ServerDeps, type ServerHandle, startServer } from "./server.ts";
