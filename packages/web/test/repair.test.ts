/**
 * In the browser: a member breaks a group with a commit the server accepts and nobody can apply;
 * the web app repairs the conversation by itself, says in the chat which device broke it, and the
 * person removes that member and chats on. The hostile member is an SDK client in Node.
 */

import { Connection, MemoryRecordStore, ParleyApi, ParleyClient } from '@parley/client';
import { nodeSocketFactory } from '@parley/client/node';
import {
  decodeMessage,
  exportGroupInfo,
  fromHex,
  type GroupState,
  generateStorageKey,
  type MlsDevice,
  randomBytes,
  unsafeTestingCorruptCommit,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  dialog,
  hasKeyPackages,
  message,
  newGroup,
  register,
  screenshot,
  send,
} from './browser.js';

const suite = browserSuite();
/** The server's `kind` of an application message in its log. */
const KIND_APPLICATION = 0;

test('a member sends a change nobody can apply: the chat is repaired by itself, says which device did it, and that member can be removed', async () => {
  const { url } = suite.served;
  const nina = await suite.person('nina');
  await register(nina);
  // omar is an SDK client (Node): the one who turns hostile.
  const omarIdentity = await new ParleyApi(url).register(
    'omar',
    'omar-password-1234',
    await nativeCiphersuite(),
  );
  const omar = await ParleyClient.open({
    serverUrl: url,
    identity: omarIdentity,
    records: new MemoryRecordStore(),
    storageKey: generateStorageKey(),
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
  });
  const inbox: string[] = [];
  omar.on('message', (m) => inbox.push(m.text));
  omar.start();
  await hasKeyPackages(suite.served, 'omar');

  await newGroup(nina, 'Garden', ['omar']);
  await send(nina, 'seeds arrive on friday');
  await until(() => inbox.includes('seeds arrive on friday'), 'omar reads nina', BROWSER_WAIT_MS);

  // omar's commit: signed by his device (the server accepts it), its path secrets garbage.
  const id = omar.conversations()[0]!;
  const chat = (
    omar as unknown as { chat: { device: MlsDevice; conversations: { state(id: string): GroupState } } }
  ).chat;
  const device = chat.device;
  const before = chat.conversations.state(id);
  await omar.close();
  const built = await unsafeTestingCorruptCommit(device, before, 'path_secrets');
  const hostile = new Connection({
    url,
    identity: omarIdentity,
    signature: device.cs.signature,
    socketFactory: nodeSocketFactory,
  });
  hostile.start();
  const groupId = fromHex(id);
  const sent = await hostile.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: built.commit,
    welcome: null,
    groupInfo: await exportGroupInfo(device, built.newState),
  });
  if (sent.type !== 'sent') throw new Error(`the server refused the commit: ${JSON.stringify(sent)}`);

  // nina's app repairs the conversation and says who broke it, under the messages.
  const line = nina.page.locator('.notice.system', { hasText: "omar's device" });
  await line.waitFor({ timeout: BROWSER_WAIT_MS });
  expect(await line.textContent()).toBe(
    `omar's device ${omarIdentity.deviceId.slice(0, 8)}… sent a change that could not be applied; this conversation was repaired.`,
  );
  await message(nina, 'seeds arrive on friday').waitFor(); // same conversation, history kept
  await screenshot(nina, 'group-repaired');

  // nina removes omar and chats on: her app can still commit.
  await nina.page.getByRole('button', { name: 'Members' }).click();
  await dialog(nina.page).getByRole('button', { name: 'Remove omar' }).click();
  await dialog(nina.page).locator('li[data-member="omar"]').waitFor({ state: 'detached' });
  await dialog(nina.page).getByRole('button', { name: 'Close' }).click();
  await send(nina, 'after omar');
  // Once it is in the log, omar's device may read the log up to his removal only: commits, no message.
  const head = async () =>
    Number(
      (
        await suite.served.server.db
          .selectFrom('messages')
          .select((eb) => eb.fn.max('seq').as('m'))
          .where('group_id', '=', groupId)
          .where('kind', '=', KIND_APPLICATION)
          .executeTakeFirstOrThrow()
      ).m,
    );
  await until(async () => (await head()) > sent.seq, "nina's message is in the log", BROWSER_WAIT_MS);
  const seen = await hostile.request({ type: 'fetch', groupId, afterSeq: sent.seq, limit: 100 });
  if (seen.type !== 'messages') throw new Error(`fetch refused: ${JSON.stringify(seen)}`);
  expect(seen.items.map((m) => decodeMessage(m.payload).wireformat)).toEqual([
    'mls_public_message', // nina's rejoin
    'mls_public_message', // omar's removal
  ]);
  hostile.close();
});
