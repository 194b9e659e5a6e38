/**
 * Metrics: the server's own counters, their Prometheus exposition (prom-client), and the small
 * HTTP endpoint that serves it with `/healthz` (`kaiwa serve --metrics-port`).
 *
 * @module
 */

export {
  MAX_METRICS_CONNECTIONS,
  MAX_METRICS_CONNECTIONS_PER_IP,
  MAX_REQUEST_HEAD_BYTES,
  METRICS_REQUEST_TIMEOUT_MS,
  MetricsEndpoint,
  type MetricsHandlers,
} from "./endpoint.ts";
export type { ClusterView, MetricsSource } from "./exposition.ts";
export { JOIN_SECONDS_BUCKETS, type LatencyObserver, ServerMetrics } from "./server_metrics.ts";

/**
 * Loads the Prometheus exposition (prom-client, ≈8 MiB of resident memory), which only a server
 * with `--metrics-port` needs.
 */
export function loadExposition(): Promise<typeof import("./exposition.ts")> {
  return import("./exposition.ts");
}
