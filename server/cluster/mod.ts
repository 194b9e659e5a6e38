/**
 * Several `kaiwa serve` nodes acting as one server through NATS (`--cluster`, docs/cluster.md).
 * Loaded only when `--cluster` is given (a dynamic import): a single node never loads the NATS
 * client.
 *
 * The seam with the rest of the server is narrow: the TCRP side asks a
 * {@linkcode ClusterNode.directory} about rooms of other nodes; the server's receive path offers
 * each datagram to {@linkcode ClusterNode.relayIn} first, and its send function hands datagrams
 * for members connected through another node ({@linkcode ClusterNode.isRemote}) to
 * {@linkcode ClusterNode.deliver}. The room state knows nothing of the cluster but one call,
 * `ServerState.dropUnreachable`.
 *
 * @module
 */

export {
  type ClusterHost,
  ClusterNode,
  type ClusterOptions,
  connectCluster,
} from "./cluster_node.ts";
export {
  DatagramBatches,
  type DatagramRecord,
  decodeRecords,
  MAX_BATCH_BYTES,
} from "./datagram_batches.ts";
export { Liveness, type NodeRun } from "./liveness.ts";
export { OrphanedEntries } from "./orphans.ts";
export { registryKey, roomOfKey } from "./subjects.ts";
