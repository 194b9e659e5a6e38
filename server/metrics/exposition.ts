/**
 * The Prometheus text exposition of a running server, built with prom-client when scraped: each
 * metric reads the server's plain counters in its `collect`, so that nothing on the hot path
 * touches prom-client.
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { Status } from "../../protocol/mod.ts";
import { DropReason, type ServerState } from "../state/mod.ts";
import { JOIN_SECONDS_BUCKETS, type ServerMetrics } from "./server_metrics.ts";

/** What the exposition reads, each at scrape time. */
export interface MetricsSource {
  /** Rooms, members and the drop counters. */
  readonly state: ServerState;
  /** The server's own counters. */
  readonly metrics: ServerMetrics;
  /** Faults counted so far. */
  readonly faults: { readonly count: number };
  /** The UDP send queue: what waits, and what was dropped as it was full. */
  readonly udp: { readonly pending: number; readonly dropped: number };
  /** TCP connections open now. */
  readonly tcp: { readonly connections: number };
  /** The web port's connections open now, when it is on (`--web-port`). */
  readonly web?: { readonly connections: number };
  /** What this node sees of its cluster, when it runs in one (`--cluster`). */
  readonly cluster?: ClusterView;
}

/** A cluster node's view of the cluster (server/cluster's `ClusterNode` is one). */
export interface ClusterView {
  /** True while the node is connected to a NATS server. */
  readonly brokerConnected: boolean;
  /** The nodes it hears from, itself included (only itself while cut off). */
  readonly liveNodes: number;
  /** Nodes it declared dead (silent for the dead-after time, or restarted) since it started. */
  readonly nodesDeclaredDead: number;
}

/** `unknownToken` or `UnknownToken` → `unknown_token`: label values in snake case. */
function snakeCase(name: string): string {
  return name.replace(/(?<=.)[A-Z]/g, (letter) => `_${letter}`).toLowerCase();
}

/** Every refusal status (all but Ok), by name: each series shows from the first scrape, at 0. */
const REFUSAL_STATUSES = Object.keys(Status).filter((name) => name !== "Ok");

/** Every drop reason, as its label value and its counter's key. */
const DROP_REASONS = Object.values(DropReason).map((reason) =>
  [snakeCase(reason), reason] as const
);

/**
 * A counter whose value is read from `value` at each scrape. prom-client counters only go up by
 * `inc`, so each scrape adds what was counted since the previous one.
 */
function mirroredCounter(
  registry: Registry,
  name: string,
  help: string,
  labelName: string | null,
  values: () => Iterable<readonly [string, number]>,
): void {
  const shown = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: labelName === null ? [] : [labelName],
    registers: [registry],
    collect() {
      for (const [label, value] of values()) {
        const delta = value - (shown.get(label) ?? 0);
        shown.set(label, value);
        const labels = labelName === null ? {} : { [labelName]: label };
        // inc(0) still makes a labelled series appear, at 0, from the first scrape.
        this.inc(labels, Math.max(0, delta));
      }
    },
  });
}

/** A gauge read from `value` at each scrape. */
function readGauge(
  registry: Registry,
  name: string,
  help: string,
  labelName: string | null,
  values: () => Iterable<readonly [string, number]>,
): void {
  new Gauge({
    name,
    help,
    labelNames: labelName === null ? [] : [labelName],
    registers: [registry],
    collect() {
      for (const [label, value] of values()) {
        this.set(labelName === null ? {} : { [labelName]: label }, value);
      }
    },
  });
}

/** One unlabelled value. */
function single(value: number): Iterable<readonly [string, number]> {
  return [["", value]];
}

/**
 * The join latency histogram, `kaiwa_join_duration_seconds`, for {@link ServerMetrics}; registered
 * by {@link metricsRegistry}.
 */
export function joinHistogram(): Histogram {
  return new Histogram({
    name: "kaiwa_join_duration_seconds",
    help: "Time from a create or join request read to its admission, password hash included",
    buckets: [...JOIN_SECONDS_BUCKETS],
    registers: [],
  });
}

/** The cluster's metrics, registered only on a node of a cluster. */
function clusterMetrics(registry: Registry, cluster: ClusterView): void {
  readGauge(
    registry,
    "kaiwa_cluster_broker_connected",
    "1 while this node is connected to the cluster's NATS broker, else 0 (/healthz answers 503)",
    null,
    () => single(cluster.brokerConnected ? 1 : 0),
  );
  readGauge(
    registry,
    "kaiwa_cluster_nodes_live",
    "Cluster nodes this node hears heartbeats from, itself included",
    null,
    () => single(cluster.liveNodes),
  );
  mirroredCounter(
    registry,
    "kaiwa_cluster_nodes_declared_dead_total",
    "Nodes this node declared dead: silent for --cluster-dead-after, or restarted",
    null,
    () => single(cluster.nodesDeclaredDead),
  );
}

/**
 * The registry of `source`'s metrics. Names follow Prometheus's conventions: `kaiwa_` first,
 * counters end in `_total`, units are base units (seconds, bytes). Label values come from fixed
 * sets (drop reasons, statuses, protocols), so the answer's size does not grow with the rooms.
 */
export function metricsRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  const { state, metrics } = source;
  readGauge(registry, "kaiwa_rooms", "Open rooms", null, () => single(state.rooms.size));
  readGauge(
    registry,
    "kaiwa_members",
    "Members in rooms, by protocol: standard (text datagrams) or kaiwa (binary events)",
    "protocol",
    () => {
      let kaiwa = 0;
      for (const room of state.rooms.values()) {
        for (const member of room.members.values()) if (member.kaiwa) kaiwa += 1;
      }
      return [["standard", state.memberCount - kaiwa], ["kaiwa", kaiwa]];
    },
  );
  readGauge(
    registry,
    "kaiwa_tcp_connections",
    "TCP connections open now",
    null,
    () => single(source.tcp.connections),
  );
  readGauge(
    registry,
    "kaiwa_web_connections",
    "Connections open now on the web port (pages loading and WebSockets); 0 when it is off",
    null,
    () => single(source.web?.connections ?? 0),
  );
  readGauge(
    registry,
    "kaiwa_udp_send_queue_datagrams",
    "Datagrams waiting in the UDP send queue",
    null,
    () => single(source.udp.pending),
  );
  mirroredCounter(
    registry,
    "kaiwa_udp_datagrams_received_total",
    "Datagrams received on the UDP port, valid or not",
    null,
    () => single(metrics.datagramsIn),
  );
  mirroredCounter(
    registry,
    "kaiwa_udp_datagrams_sent_total",
    "Datagrams queued to be sent on the UDP port, one per recipient",
    null,
    () => single(metrics.datagramsOut),
  );
  mirroredCounter(
    registry,
    "kaiwa_udp_delivery_failures_total",
    "Datagrams the system refused to send, or reported unreachable (ICMP, on the batched UDP path)",
    null,
    () => single(metrics.deliveryFailures),
  );
  mirroredCounter(
    registry,
    "kaiwa_udp_send_queue_dropped_total",
    "Datagrams dropped because the UDP send queue was full (--send-queue-bytes)",
    null,
    () => single(source.udp.dropped),
  );
  mirroredCounter(
    registry,
    "kaiwa_datagrams_dropped_total",
    "Datagrams received and dropped without an answer, by reason",
    "reason",
    () => DROP_REASONS.map(([label, key]) => [label, state.counters[key]] as const),
  );
  mirroredCounter(
    registry,
    "kaiwa_requests_refused_total",
    "TCRP requests refused, by status",
    "status",
    () =>
      REFUSAL_STATUSES.map((name) => [snakeCase(name), metrics.refusals.get(name) ?? 0] as const),
  );
  mirroredCounter(
    registry,
    "kaiwa_faults_total",
    "Exceptions escaping a handler (each one is a bug or an unforeseen input; see the log)",
    null,
    () => single(source.faults.count),
  );
  if (source.cluster !== undefined) clusterMetrics(registry, source.cluster);
  if (metrics.joinSeconds instanceof Histogram) registry.registerMetric(metrics.joinSeconds);
  readGauge(
    registry,
    "process_resident_memory_bytes",
    "Resident memory of the process",
    null,
    () => single(Deno.memoryUsage().rss),
  );
  readGauge(
    registry,
    "kaiwa_heap_used_bytes",
    "JavaScript heap in use",
    null,
    () => single(Deno.memoryUsage().heapUsed),
  );
  return registry;
}
