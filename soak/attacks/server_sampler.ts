/**
 * The server's CPU and memory over an attack window: CPU as an average, memory as the peak of
 * samples taken twice a second (an attack's memory may be freed again before the window ends).
 *
 * @module
 */

import { cpuPercent } from "../../bench/proc_stats.ts";
import type { Target } from "./target.ts";

const SAMPLE_MS = 500;
const MIB = 1024 * 1024;

/** CPU and memory of one window. */
export interface ServerFigures {
  /** Average CPU, % of one core. */
  readonly cpuPercent: number | null;
  /** Resident memory at the window's start, MiB. */
  readonly rssStartMiB: number | null;
  /** The largest resident memory sampled, MiB. */
  readonly rssPeakMiB: number | null;
}

/** Samples `target` from now until {@link ServerSampler.stop}. */
export class ServerSampler {
  readonly #target: Target;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #start = performance.now();
  #cpuStart: number | null = null;
  #rssStart: number | null = null;
  #rssPeak: number | null = null;
  #ready: Promise<void>;

  private constructor(target: Target) {
    this.#target = target;
    this.#ready = (async () => {
      this.#cpuStart = await target.cpuSeconds();
      this.#rssStart = await target.residentBytes();
      this.#rssPeak = this.#rssStart;
    })();
    this.#timer = setInterval(() => void this.#sample(), SAMPLE_MS);
  }

  /** Starts sampling. */
  static async start(target: Target): Promise<ServerSampler> {
    const sampler = new ServerSampler(target);
    await sampler.#ready;
    return sampler;
  }

  /** Stops sampling and returns the figures. */
  async stop(): Promise<ServerFigures> {
    clearInterval(this.#timer);
    await this.#sample();
    const elapsedMs = performance.now() - this.#start;
    const cpu = cpuPercent(this.#cpuStart, await this.#target.cpuSeconds(), elapsedMs);
    const mib = (bytes: number | null) => bytes === null ? null : bytes / MIB;
    return {
      cpuPercent: cpu,
      rssStartMiB: mib(this.#rssStart),
      rssPeakMiB: mib(this.#rssPeak),
    };
  }

  async #sample(): Promise<void> {
    const rss = await this.#target.residentBytes();
    if (rss !== null && (this.#rssPeak === null || rss > this.#rssPeak)) this.#rssPeak = rss;
  }
}
