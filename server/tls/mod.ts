/**
 * The server's TLS identity (given files, or a self-signed one kept in the data directory) and
 * the sessions that present it.
 *
 * @module
 */

export {
  CERT_FILE,
  IdentityError,
  type IdentitySource,
  KEY_FILE,
  loadIdentity,
  type ServerIdentity,
} from "./identity.ts";
export type { PemIdentity } from "./self_signed.ts";
export { checkIdentity, TlsOnDemand } from "./on_demand.ts";
