/**
 * Metrics: the server's own counters, their Prometheus exposition (prom-client), and the small
 * HTTP endpoint that serves it with `/healthz` (`kaiwa serve --metrics-port`).
 *
 * @module
 */

export {
  MAX_METRICS_CONNECTIONS,
  MAX_REQUEST_HEAD_BYTES,
  METRICS_REQUEST_TIMEOUT_MS,
  MetricsEndpoint,
  type MetricsHandlers,
} from "./endpoint.ts";
export { metricsRegistry, type MetricsSource } from "./exposition.ts";
export { JOIN_SECONDS_BUCKETS, ServerMetrics } from "./server_metrics.ts";
