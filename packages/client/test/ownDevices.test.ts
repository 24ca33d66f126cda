/**
 * A conversation started on one device while another device of the same account joins it by
 * itself (its own sync finds the group among its account's and joins by external commit) before
 * the first device's commit adding it lands: that device is not added twice, and the
 * conversation starts for everyone (it used to fail with "device is already a member").
 */
import { groupMembers, toHex } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { Chat } from '../src/chat/context.js';
import type { ParleyClient } from '../src/index.js';
import { hasKeyPackages, openClient, person, secondDevice, serve } from './fixtures.js';

const chatOf = (client: ParleyClient) => (client as unknown as { chat: Chat }).chat;

test('a conversation started while our other device joins it by itself starts for everyone, that device in it once', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const a = await openClient(url, alice);
  const laptop = await secondDevice(url, alice);
  const b = await openClient(url, bob);
  for (const x of [b, laptop]) await hasKeyPackages(x.client);

  // Once alice's phone has created the group and claimed her own account's key packages, the
  // laptop syncs and joins the group by itself, before the phone's commit that adds it.
  let created: string | undefined;
  let raced = false;
  const original = a.client.connection.request.bind(a.client.connection);
  a.client.connection.request = async (frame) => {
    const answer = await original(frame);
    if (frame.type === 'group_create') created = toHex(frame.groupId);
    if (frame.type === 'kp_claim' && frame.accountId === 'alice' && created !== undefined && !raced) {
      raced = true;
      const id = created;
      await laptop.client.sync();
      await until(() => laptop.client.conversations().includes(id), 'the laptop joined by itself');
    }
    return answer;
  };

  const group = await a.client.createGroup('Plans', ['bob']);
  expect(raced).toBe(true);
  await until(() => b.client.conversations().includes(group), 'bob is in');
  await a.client.sendText(group, 'hello both');
  await until(
    () => [b, laptop].every((x) => x.inbox.some((m) => m.text === 'hello both')),
    'bob and the laptop read it',
  );
  const alicesDevices = groupMembers(chatOf(a.client).conversations.state(group)!)
    .filter((m) => m.accountId === 'alice')
    .map((m) => m.deviceId);
  expect(alicesDevices).toHaveLength(2);
  expect(new Set(alicesDevices).size).toBe(2);
});
