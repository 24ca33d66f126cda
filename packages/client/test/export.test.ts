/**
 * Exporting one's own history (issue #18): every listed conversation with its messages, decrypted,
 * as JSON and as one HTML page in which whatever others wrote is escaped (no script can run).
 */
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { historyHtml } from '../src/index.js';
import { hasKeyPackages, openClient, person, serve } from './fixtures.js';

test('the export holds every conversation and message; the HTML page escapes what others wrote', async () => {
  const { url } = await serve();
  const alice = await openClient(url, await person(url, 'alice'));
  const bob = await openClient(url, await person(url, 'bob'));
  await hasKeyPackages(bob.client);
  const group = await alice.client.createGroup('<b>club</b>', ['bob']);
  await until(() => bob.client.conversation(group) !== undefined, 'bob joined');
  await bob.client.sendText(group, '<script>alert(1)</script> & "quotes"');
  await until(() => alice.inbox.length === 1, 'alice got it');
  const mine = await alice.client.sendText(group, 'gone soon');
  await until(
    async () => (await alice.client.history(group)).some((m) => m.id === mine.id && m.status === 'sent'),
    'sent',
  );
  await alice.client.deleteMessage(group, mine.id);
  await alice.client.react(group, alice.inbox[0]!.id, '👍');

  const e = await alice.client.exportHistory();
  expect(e.format).toBe('parley-history/1');
  expect(e.account).toBe('alice');
  expect(e.conversations).toHaveLength(1);
  const [c] = e.conversations;
  expect(c!.name).toBe('<b>club</b>');
  expect(c!.messages.map((m) => [m.from, m.text, m.deleted ?? false])).toEqual([
    ['bob', '<script>alert(1)</script> & "quotes"', false],
    ['alice', '', true],
  ]);
  expect(c!.messages[0]!.reactions).toEqual({ '👍': ['alice'] });

  const html = historyHtml(e);
  expect(html).not.toContain('<script>');
  expect(html).not.toContain('<b>club</b>');
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
  expect(html).toContain('<em>message deleted</em>');
  expect(html).toContain("default-src 'none'");
});
