/**
 * Groups from before the server tracked public state (migration 0007_group_public_state) have no
 * row and maybe no GroupInfo: their handshakes are accepted with the older checks until a GroupInfo
 * for their current epoch arrives, from which the state is bootstrapped; from then on everything
 * is verified.
 */
import { randomBytes, selfUpdate } from '@parley/core';
import { afterEach, expect, test } from 'vitest';
import { flipSignature } from '../../core/test/forge.js';
import { type Running, startServer } from './helpers.js';
import { chattingPair, type Device } from './pair.js';
import { WsClient } from './wsClient.js';

let running: Running | undefined;
const sockets: WsClient[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await running?.stop();
  running = undefined;
});

async function commit(d: Device, tamper = false) {
  const update = await selfUpdate(d.mls, d.state!);
  const answer = await d.ws.request({
    type: 'send',
    groupId: d.state!.groupContext.groupId,
    messageId: randomBytes(16),
    payload: tamper ? flipSignature(update.commit) : update.commit,
    welcome: null,
    groupInfo: update.groupInfo,
  });
  if (answer.type === 'sent') d.state = update.newState;
  return answer;
}

test('a group from before public state commits the old way, is bootstrapped from the GroupInfo its commit brought, then verified', async () => {
  running = await startServer();
  const { alice, groupId } = await chattingPair(running.url);
  sockets.push(alice.ws);
  // Make it a group from before the migration: no public state, no GroupInfo; restart (no cache).
  await running.server.db.deleteFrom('group_public_state').execute();
  await running.server.db.deleteFrom('group_infos').execute();
  const dataDir = running.dataDir;
  await running.stop(true);
  running = await startServer({}, dataDir);
  alice.ws = await WsClient.connect(running.url, alice.identity);
  sockets.push(alice.ws);

  // No state to check against: accepted with the older checks; its GroupInfo is kept.
  expect(await commit(alice)).toMatchObject({ type: 'sent', epoch: 2 });
  const stored = await running.server.db
    .selectFrom('group_public_state')
    .select('epoch')
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  expect(stored).toBeUndefined();
  // The next handshake bootstraps from that GroupInfo (its tree matches the members) and is verified.
  expect(await commit(alice, true)).toMatchObject({ type: 'error', code: 'invalid_message' });
  expect(await commit(alice)).toMatchObject({ type: 'sent', epoch: 3 });
  const row = await running.server.db
    .selectFrom('group_public_state')
    .select('epoch')
    .where('group_id', '=', groupId)
    .executeTakeFirstOrThrow();
  expect(row.epoch).toBe(3);
});
