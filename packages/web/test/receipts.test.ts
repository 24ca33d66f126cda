/**
 * Read receipts in the web app, whatever the network does: a message shown in the open chat of a
 * visible page is marked read whenever it arrives — after the server's restart, or while the
 * previous receipt is still on its way (issue #16 item 6).
 */
import { decodeServerFrame, toHex } from '@parley/core';
import { until } from '@parley/testing';
import { test } from 'vitest';
import {
  browserSuite,
  conversation,
  hasKeyPackages,
  message,
  newChat,
  openConversation,
  openPerson,
  register,
  type Served,
  screenshot,
  send,
  serve,
} from './browser.js';

const suite = browserSuite();
const { people, person } = suite;

test('a reconnecting banner shows while the server is away; a message written meanwhile goes out when it is back and is read in the chat open on the other side', async () => {
  const own = await serve();
  let restarted: Served | undefined;
  try {
    const nina = await openPerson(suite.browser, own.url, 'nina');
    const omar = await openPerson(suite.browser, own.url, 'omar');
    people.push(nina, omar);
    await register(nina);
    await register(omar);
    await hasKeyPackages(own, 'omar');
    await newChat(nina, 'omar');
    await send(nina, 'while online');
    await conversation(omar, 'nina').locator('.conversation-last', { hasText: 'while online' }).waitFor();
    // omar keeps the chat open (and the page visible) through the server's restart.
    await openConversation(omar, 'nina');
    await nina.page
      .locator('.message.mine', { hasText: 'while online' })
      .locator('.ticks[data-status="read"]')
      .waitFor();

    await own.stop(true);
    await nina.page.getByTestId('connection-banner').filter({ hasText: 'Reconnecting' }).waitFor();
    await send(nina, 'written while offline');
    const pending = nina.page.locator('.message.mine', { hasText: 'written while offline' });
    await pending.locator('.ticks[data-status="sending"]').waitFor();
    await screenshot(nina, 'reconnecting');

    restarted = await serve({}, own.dataDir, own.port);
    await nina.page.getByTestId('connection-banner').waitFor({ state: 'detached' });
    await conversation(omar, 'nina')
      .locator('.conversation-last', { hasText: 'written while offline' })
      .waitFor();
    await omar.page.locator('.message', { hasText: 'written while offline' }).waitFor();
    // Shown in omar's open chat, so read: nina sees it read without omar doing anything.
    await pending.locator('.ticks[data-status="read"]').waitFor();
  } finally {
    await restarted?.stop(true);
    await own.stop();
  }
});

test('a message arriving in the open chat while its last read receipt is still on its way is read too', async () => {
  const sam = await person('sam');
  const tess = await person('tess');
  // tess's WebSocket goes through the test, which can hold back the server's answers to her sends
  // (she sends only receipts here), as a slow network or a restarting server would. While an
  // answer is outstanding her client processes nothing else, so what arrives meanwhile waits.
  let holding = false;
  /** The highest log position pushed to tess's browser, per group. */
  const delivered = new Map<string, number>();
  const held: Array<() => void> = [];
  await tess.page.routeWebSocket(/\/v1\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      const frame = typeof m === 'string' ? undefined : decodeServerFrame(new Uint8Array(m));
      if (frame?.type === 'deliver') {
        const group = toHex(frame.groupId);
        delivered.set(group, Math.max(frame.seq, delivered.get(group) ?? 0));
      }
      if (holding && frame?.type === 'sent') held.push(() => ws.send(m));
      else ws.send(m);
    });
  });
  await register(sam);
  await register(tess);
  await hasKeyPackages(suite.served, 'tess');
  await newChat(sam, 'tess');
  await conversation(tess, 'sam').waitFor();

  // 'first' reaches tess; the answer to her "delivered" receipt is held. She opens the chat (its
  // read receipt waits behind), and 'second' arrives before any of it is done.
  holding = true;
  await send(sam, 'first');
  await until(() => held.length > 0, "tess's delivered receipt for 'first' is on its way");
  await openConversation(tess, 'sam');
  await send(sam, 'second');
  // Stored (sam sees it sent) at a log position the server then pushes to tess: wait for that push.
  await sam.page
    .locator('.message.mine', { hasText: 'second' })
    .locator('.ticks[data-status="sent"]')
    .waitFor();
  const stored = await suite.served.server.db
    .selectFrom('messages')
    .select(['group_id', 'seq'])
    .where('kind', '=', 0) // an application message, not a handshake
    .orderBy('created_at', 'desc')
    .orderBy('seq', 'desc')
    .executeTakeFirstOrThrow();
  await until(
    () => (delivered.get(toHex(stored.group_id)) ?? 0) >= stored.seq,
    "'second' reached tess's browser",
  );
  holding = false;
  for (const release of held.splice(0)) release();

  // Both are shown in tess's open chat: sam sees both read, without tess doing anything more.
  await message(tess, 'second').waitFor();
  for (const text of ['first', 'second'])
    await sam.page
      .locator('.message.mine', { hasText: text })
      .locator('.ticks[data-status="read"]')
      .waitFor();
});
