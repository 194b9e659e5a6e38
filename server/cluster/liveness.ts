/**
 * Which nodes of the cluster are alive, from their heartbeats: pure bookkeeping on a clock the
 * caller gives, so that it is tested without waiting.
 *
 * @module
 */

/** One run of a node: its id and the incarnation it drew at start (a restart draws another). */
export interface NodeRun {
  /** The node's id (`--node-id`). */
  readonly node: string;
  /** Random per process: tells a restarted node from the run before it. */
  readonly incarnation: string;
}

/**
 * The last time each other node was heard of (a heartbeat, a request or an answer). A node unheard
 * of for `deadAfterMs` is dead: {@link expire} returns it once and forgets it. A node this one
 * cannot hear at all (cut off from the broker) sees every other expire: that is its fencing.
 */
export class Liveness {
  readonly #deadAfterMs: number;
  readonly #seen = new Map<string, { incarnation: string; at: number }>();

  /** Nodes unheard of for `deadAfterMs` (ms) are dead. */
  constructor(deadAfterMs: number) {
    this.#deadAfterMs = deadAfterMs;
  }

  /** How many nodes are alive. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * `run` was heard of at `now` (ms). Returns the run it replaces when the node restarted with a
   * new incarnation (that run is dead at once), else null.
   */
  seen(run: NodeRun, now: number): NodeRun | null {
    const known = this.#seen.get(run.node);
    this.#seen.set(run.node, { incarnation: run.incarnation, at: now });
    if (known === undefined || known.incarnation === run.incarnation) return null;
    return { node: run.node, incarnation: known.incarnation };
  }

  /** True when `run` is the live run of its node. */
  isAlive(run: NodeRun): boolean {
    return this.#seen.get(run.node)?.incarnation === run.incarnation;
  }

  /** Forgets `node` (it said it stops): returns its run, if it was alive. */
  forget(node: string): NodeRun | null {
    const known = this.#seen.get(node);
    if (known === undefined) return null;
    this.#seen.delete(node);
    return { node, incarnation: known.incarnation };
  }

  /** The runs unheard of for the dead-after time at `now`, forgotten as they are returned. */
  expire(now: number): NodeRun[] {
    const dead: NodeRun[] = [];
    for (const [node, { incarnation, at }] of this.#seen) {
      if (now - at >= this.#deadAfterMs) dead.push({ node, incarnation });
    }
    for (const run of dead) this.#seen.delete(run.node);
    return dead;
  }
}
