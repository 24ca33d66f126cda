/** Test helpers for a group a hostile member broke: a look inside a client, and the attack itself. */
import {
  type AppBody,
  type CommitCorruption,
  exportGroupInfo,
  fromHex,
  type GroupState,
  type MlsDevice,
  randomBytes,
  unsafeTestingCorruptCommit,
} from '@parley/core';
import { expect } from 'vitest';
import type { Chat } from '../src/chat/context.js';
import { enqueue } from '../src/chat/outbox.js';
import { Connection, type ParleyClient, type SealedStore } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import type { OpenClient, Person, serve } from './fixtures.js';

/** A test's look inside a client: its MLS device and a conversation's group state. */
export function internals(client: ParleyClient): {
  device: MlsDevice;
  store: SealedStore;
  state(id: string): GroupState | undefined;
} {
  const chat = (
    client as unknown as {
      chat: {
        device: MlsDevice;
        store: SealedStore;
        conversations: { state(id: string): GroupState | undefined };
      };
    }
  ).chat;
  return { device: chat.device, store: chat.store, state: (id) => chat.conversations.state(id) };
}

/**
 * carol turns hostile: her client goes away, and from her device she sends a commit for the
 * group's current epoch, corrupted as `how` says, plus the new epoch's GroupInfo (which the server
 * takes from every committer). Returns what she keeps: her device and her own (valid) new state.
 */
export async function breakTheGroup(
  url: string,
  carol: OpenClient,
  who: Person,
  id: string,
  how: CommitCorruption,
) {
  const { device, state } = internals(carol.client);
  const before = state(id)!;
  await carol.client.close();
  const built = await unsafeTestingCorruptCommit(device, before, how);
  const connection = new Connection({
    url,
    identity: who.identity,
    signature: device.cs.signature,
    socketFactory: nodeSocketFactory,
  });
  connection.start();
  await connection.waitOnline();
  const answer = await connection.request({
    type: 'send',
    groupId: fromHex(id),
    messageId: randomBytes(16),
    payload: built.commit,
    welcome: null,
    // Consistent with the commit: every check the server can make from public data passes.
    groupInfo: await exportGroupInfo(device, built.newState),
  });
  expect(answer.type).toBe('sent'); // the server accepted it: it cannot check what is broken
  return { connection, device, state: built.newState, seq: answer.type === 'sent' ? answer.seq : -1 };
}

/** Send any application message body from a client (what the SDK sends only in its own time). */
export async function sendBody(client: ParleyClient, groupIdHex: string, body: AppBody): Promise<void> {
  const chat = (client as unknown as { chat: Chat }).chat;
  await chat.serial(() => enqueue(chat, chat.store, groupIdHex, body));
  await client.sync();
}

/** The server loses the group's GroupInfo: nothing is left to rejoin from. */
export async function dropGroupInfo(server: Awaited<ReturnType<typeof serve>>['server'], id: string) {
  await server.db.deleteFrom('group_infos').where('group_id', '=', fromHex(id)).execute();
}
