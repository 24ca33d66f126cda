/**
 * In the browser: a member breaks a group with a commit the server accepts and nobody can apply;
 * the web app repairs the conversation by itself, says in the chat which device broke it, and the
 * person removes that member and chats on. The hostile member is an SDK client in Node.
 */

import { Connection, type ParleyClient } from '@parley/client';
import { nodeSocketFactory } from '@parley/client/node';
import {
  type DeviceIdentity,
  decodeMessage,
  exportGroupInfo,
  fromHex,
  type GroupState,
  type MlsDevice,
  randomBytes,
  unsafeTestingCorruptCommit,
} from '@parley/core';
import { until } from '@parley/testing';
import { sql } from 'kysely';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  conversation,
  dialog,
  hasKeyPackages,
  message,
  newGroup,
  register,
  screenshot,
  send,
} from './browser.js';
import { sdkPerson } from './sdkPerson.js';

const suite = browserSuite();
/** The server's `kind` of an application message in its log. */
const KIND_APPLICATION = 0;

test('a member sends a change nobody can apply: the chat is repaired by itself, says which device did it, and that member can be removed', async () => {
  const { url } = suite.served;
  const nina = await suite.person('nina');
  await register(nina);
  // omar is an SDK client (Node): the one who turns hostile.
  const { identity: omarIdentity, client: omar, inbox } = await sdkPerson(url, 'omar');
  await hasKeyPackages(suite.served, 'omar');

  await newGroup(nina, 'Garden', ['omar']);
  await send(nina, 'seeds arrive on friday');
  await until(() => inbox.includes('seeds arrive on friday'), 'omar reads nina', BROWSER_WAIT_MS);

  // omar's commit: signed by his device (the server accepts it), its path secrets garbage.
  const id = omar.conversations()[0]!;
  const groupId = fromHex(id);
  const { hostile, sent } = await breakGroup(url, omar, omarIdentity, id);

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

test('a change nobody can apply and no GroupInfo to rejoin from: the chat moves to a new group without that member, says so, and stays open with its history', async () => {
  const { url, server } = suite.served;
  const rose = await suite.person('rose');
  await register(rose);
  // omar turns hostile; pat, an honest SDK member, resets the group at once.
  const omar = await sdkPerson(url, 'omar2');
  const pat = await sdkPerson(url, 'pat', { resetDelayMs: { min: 0, max: 0 } });
  await hasKeyPackages(suite.served, 'omar2');
  await hasKeyPackages(suite.served, 'pat');
  await newGroup(rose, 'Allotment', ['omar2', 'pat']);
  await send(rose, 'plant the beans');
  await until(() => pat.inbox.includes('plant the beans'), 'pat reads rose', BROWSER_WAIT_MS);
  const id = omar.client.conversations()[0]!;
  // The server keeps no GroupInfo of this group (it lost it, say): nobody can rejoin.
  const hex = `X'${id}'`;
  for (const event of ['INSERT', 'UPDATE'])
    await sql
      .raw(
        `CREATE TRIGGER lose_group_info_${event} AFTER ${event} ON group_infos WHEN NEW.group_id = ${hex} BEGIN DELETE FROM group_infos WHERE group_id = ${hex}; END`,
      )
      .execute(server.db);
  const { hostile } = await breakGroup(url, omar.client, omar.identity, id);

  const line = rose.page.locator('.notice.system', { hasText: 'moved to a new group' });
  await line.waitFor({ timeout: BROWSER_WAIT_MS });
  expect(await line.textContent()).toBe(
    `omar2's device ${omar.identity.deviceId.slice(0, 8)}… sent a change that could not be applied; this conversation was moved to a new group without omar2.`,
  );
  await message(rose, 'plant the beans').waitFor(); // the same conversation, open, history kept
  await until(
    async () => (await rose.page.locator('button.conversation').count()) === 1,
    'one conversation listed',
  );
  await conversation(rose, 'Allotment').waitFor();
  await screenshot(rose, 'group-reset');
  await send(rose, 'in the new group');
  await until(() => pat.inbox.includes('in the new group'), 'pat reads rose there', BROWSER_WAIT_MS);
  expect(pat.client.members(pat.client.conversationList()[0]!.id)).toEqual(['pat', 'rose']);
  hostile.close();
  await pat.client.close();
});

/** An SDK client in Node (the one who turns hostile, or another member), started. */
/**
 * The member's client goes away and its device sends a commit of the group's current epoch whose
 * path secrets are garbage, signed (the server accepts it), with the new epoch's GroupInfo.
 */
async function breakGroup(url: string, member: ParleyClient, identity: DeviceIdentity, id: string) {
  const chat = (
    member as unknown as { chat: { device: MlsDevice; conversations: { state(id: string): GroupState } } }
  ).chat;
  const device = chat.device;
  const before = chat.conversations.state(id);
  await member.close();
  const built = await unsafeTestingCorruptCommit(device, before, 'path_secrets');
  const hostile = new Connection({
    url,
    identity,
    signature: device.cs.signature,
    socketFactory: nodeSocketFactory,
  });
  hostile.start();
  const sent = await hostile.request({
    type: 'send',
    groupId: fromHex(id),
    messageId: randomBytes(16),
    payload: built.commit,
    welcome: null,
    groupInfo: await exportGroupInfo(device, built.newState),
  });
  if (sent.type !== 'sent') throw new Error(`the server refused the commit: ${JSON.stringify(sent)}`);
  return { hostile, sent };
}
