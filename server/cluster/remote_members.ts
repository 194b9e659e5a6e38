/**
 * The owner node's side: the members of its rooms connected through each other node, so that all
 * of them leave (unreachable) when that node dies.
 *
 * @module
 */

import type { Member } from "../state/mod.ts";

/** Members of this node's rooms by the node their datagrams go through. */
export class RemoteMembers {
  readonly #byNode = new Map<string, Set<Member>>();

  /** `member` was admitted through `node`. */
  add(node: string, member: Member): void {
    let members = this.#byNode.get(node);
    if (members === undefined) {
      members = new Set();
      this.#byNode.set(node, members);
    }
    members.add(member);
  }

  /** The node `member` is connected through, if it is one of these. */
  nodeOf(member: Member): string | undefined {
    for (const [node, members] of this.#byNode) if (members.has(member)) return node;
    return undefined;
  }

  /** Takes out the still active members connected through `node`. */
  take(node: string): Member[] {
    const members = this.#byNode.get(node);
    this.#byNode.delete(node);
    return members === undefined ? [] : [...members].filter((member) => member.active);
  }

  /** Forgets members that left. */
  sweep(): void {
    for (const [node, members] of this.#byNode) {
      for (const member of members) if (!member.active) members.delete(member);
      if (members.size === 0) this.#byNode.delete(node);
    }
  }
}
