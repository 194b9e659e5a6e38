/**
 * `/me` actions: a chat message whose text starts with "/me " is an action, shown
 * "* alice waves" (docs/protocol.md §3.2, "Actions"). The server relays it as any message, so a
 * standard client shows "alice: /me waves", which reads the same way.
 *
 * @module
 */

/** What starts an action's text on the wire. */
export const ACTION_PREFIX = "/me ";

/**
 * The action of a chat text ("waves" for "/me waves"), or null when the text is no action.
 *
 * @example
 * ```ts
 * parseAction("/me waves"); // "waves"
 * parseAction("/message"); // null
 * ```
 */
export function parseAction(text: string): string | null {
  if (!text.startsWith(ACTION_PREFIX)) return null;
  const action = text.slice(ACTION_PREFIX.length);
  return action.trim() === "" ? null : action;
}
