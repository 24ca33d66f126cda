/**
 * Deleting this account (issue #18): first this device leaves every conversation it is still in,
 * so the other members' groups drop the account (chat/membership.ts `leave`: the account's other
 * devices are removed by a commit, and this device proposes its own removal, which the next member
 * online commits; they see the person leave). Then the server deletes the account
 * (`DELETE /v1/accounts/me`, which needs a session from a login of the last few minutes).
 *
 * When no other member is online, the leave proposal waits on the server and the first member to
 * sync commits it, as with any leave; meanwhile the server refuses the deleted devices, so nothing
 * more reaches them. A conversation whose leave fails (the server refused it, say) is named in
 * `notLeft` and the deletion goes on: its members still see the account's devices until one of them
 * removes the person.
 */
import type { AccountDeletion, ParleyApi } from '../api.js';
import type { ParleyClient } from '../client.js';

export interface DeletedAccount extends AccountDeletion {
  /** Conversations this device left (or ended, when nobody else was in them). */
  left: string[];
  /** Conversations it could not leave, with the reason. */
  notLeft: { id: string; reason: string }[];
}

/** Leave every active conversation, then delete the account on the server with `token`. */
export async function deleteAccount(
  client: ParleyClient,
  api: ParleyApi,
  token: string,
): Promise<DeletedAccount> {
  const left: string[] = [];
  const notLeft: { id: string; reason: string }[] = [];
  for (const id of client.conversations()) {
    const c = client.conversation(id);
    if (c === undefined || c.ended || c.leaving) continue;
    try {
      await client.leave(id);
      left.push(id);
    } catch (e) {
      notLeft.push({ id, reason: (e as Error).message });
    }
  }
  const done = await api.deleteAccount(token);
  return { ...done, left, notLeft };
}
