import { expect, test } from 'vitest';
import {
  deserializeDeviceIdentity,
  deviceLabelSecret,
  openDeviceLabel,
  sealDeviceLabel,
  serializeDeviceIdentity,
} from '../src/index.js';
import { makeAccount } from './helpers.js';

test('a device label opens only on the account’s devices and only for the device it names; its size says nothing of the name', async () => {
  const [one, two] = await makeAccount('alice', 2);
  const first = one!.device.identity;
  const linked = two!.device.identity;
  const oldLinked = deserializeDeviceIdentity(serializeDeviceIdentity(linked)); // linked before labels
  const withSecret = deserializeDeviceIdentity(
    serializeDeviceIdentity({ ...linked, labelSecret: deviceLabelSecret(first)! }),
  );
  const label = { name: 'Küchen-Laptop 🍳', platform: 'CLI: linux x64' };
  const sealed = sealDeviceLabel(withSecret, linked.deviceId, label)!;

  expect(openDeviceLabel(first, linked.deviceId, sealed)).toEqual(label);
  expect(openDeviceLabel(withSecret, linked.deviceId, sealed)).toEqual(label);
  // Moved to another device of the account, it does not open.
  expect(openDeviceLabel(first, first.deviceId, sealed)).toBeNull();
  // Another account's devices, and a device without the secret, cannot open it or seal one.
  const mallory = (await makeAccount('alice', 1))[0]!.device.identity;
  expect(openDeviceLabel(mallory, linked.deviceId, sealed)).toBeNull();
  expect(oldLinked.labelSecret).toBeUndefined();
  expect(openDeviceLabel(oldLinked, linked.deviceId, sealed)).toBeNull();
  expect(sealDeviceLabel(oldLinked, linked.deviceId, label)).toBeNull();

  const long = { name: 'x'.repeat(500), platform: 'y'.repeat(500) };
  const sealedLong = sealDeviceLabel(first, first.deviceId, long)!;
  expect(sealedLong.length).toBe(sealed.length);
  expect(openDeviceLabel(first, first.deviceId, sealedLong)).toEqual({
    name: 'x'.repeat(100),
    platform: 'y'.repeat(60),
  });
});
