/**
 * Device names end to end on a real server and SQLite: a name given at registration and one given
 * at linking are read back by both devices with their platform, the server's added date and when
 * each was last seen; the server holds them only sealed, and another account's lookup of the
 * devices carries neither labels nor last-seen times.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { Connection, claimNewDevice, listOwnDevices, offerNewDevice, ParleyApi } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import { cs, onCleanup, serve } from './fixtures.js';

const DESK = { name: 'Desk computer qz7', platform: 'CLI: linux x64' };
const PHONE = { name: 'Phone of Alice xj9', platform: 'Web: Chrome on Android' };

test('names given at registration and linking are listed with platform and dates; the server keeps them sealed and shows last-seen only to the account', async () => {
  const server = await serve();
  const api = new ParleyApi(server.url);
  const before = Date.now();
  const desk = await api.register('alice', 'pw-alice-1234', cs, {}, DESK);
  await api.register('bob', 'pw-bob-12345', cs);
  const session = await api.login('alice', 'pw-alice-1234');
  const { code } = await offerNewDevice(api, session.token, desk, cs);
  const phone = await claimNewDevice(api, session.token, code, PHONE);

  // The phone connects: it is online now; once it leaves, it was last seen then.
  const conn = new Connection({
    url: server.url,
    identity: phone,
    signature: cs.signature,
    socketFactory: nodeSocketFactory,
  });
  onCleanup(() => conn.close());
  conn.start();
  await conn.waitOnline();
  await until(
    async () => (await listOwnDevices(api, session.token, desk)).some((d) => d.online),
    'the phone to show online',
  );
  conn.close();
  await until(
    async () =>
      (await listOwnDevices(api, session.token, desk)).every(
        (d) => !d.online && (d.current || d.lastSeen !== null),
      ),
    'the phone to show last seen',
  );

  // Both devices open both labels (the phone got the label key at linking).
  for (const me of [desk, phone]) {
    const listed = await listOwnDevices(api, session.token, me);
    expect(listed.map((d) => [d.deviceId, d.label, d.current])).toEqual([
      [desk.deviceId, DESK, me === desk],
      [phone.deviceId, PHONE, me === phone],
    ]);
    for (const d of listed) expect(d.addedAt).toBeGreaterThanOrEqual(before);
    expect(listed[0]!.lastSeen).toBeNull(); // the desk never connected
    expect(listed[1]!.lastSeen).toBeGreaterThanOrEqual(before);
  }

  // Another account sees the certificates and nothing of the labels or when the devices were used.
  const bob = await api.login('bob', 'pw-bob-12345');
  const asBob = (await (
    await fetch(`${server.url}/v1/accounts/alice/devices`, {
      headers: { authorization: `Bearer ${bob.token}` },
    })
  ).json()) as { devices: Array<Record<string, unknown>> };
  expect(asBob.devices).toHaveLength(2);
  for (const d of asBob.devices) {
    expect(Object.keys(d).sort()).toEqual(['certificate', 'createdAt', 'deviceId', 'revokedAt']);
  }
  expect((await api.devices(bob.token, 'alice')).every((d) => d.label === null && d.lastSeen === null)).toBe(
    true,
  );

  // The database files hold the labels only sealed: no name or platform in clear.
  await server.stop();
  const stored = Buffer.concat(
    readdirSync(server.dataDir)
      .filter((f) => f.includes('sqlite') || f.endsWith('.db') || f.endsWith('-wal'))
      .map((f) => readFileSync(join(server.dataDir, f))),
  );
  expect(stored.length).toBeGreaterThan(0);
  for (const text of [DESK.name, PHONE.name, 'Chrome on Android', 'linux x64'])
    expect(stored.includes(Buffer.from(text))).toBe(false);
});
