import { describe, expect, test } from 'vitest';
import {
  createGroup,
  decodeAppMessage,
  deriveStorageKey,
  deserializeDeviceIdentity,
  deserializeGroupState,
  deserializeKeyPackage,
  encodeAppMessage,
  encryptApplication,
  generateKeyPackage,
  generateStorageKey,
  openDeviceIdentity,
  openGroupState,
  openKeyPackage,
  processIncoming,
  sealDeviceIdentity,
  sealGroupState,
  sealKeyPackage,
  serializeDeviceIdentity,
  serializeGroupState,
  serializeKeyPackage,
  textMessage,
} from '../src/index.js';
import { makeAccount, pair } from './helpers.js';

describe('state serialisation', () => {
  test('a group state round-trips and keeps working: the restored device decrypts and sends', async () => {
    const { a, b } = await pair();

    const bytes = serializeGroupState(b.state!);
    const restored = deserializeGroupState(b.device, bytes);
    expect(serializeGroupState(restored)).toEqual(bytes);

    const sent = await encryptApplication(a.device, a.state!, encodeAppMessage(textMessage('after restart')));
    const got = await processIncoming(b.device, restored, sent.message);
    expect(got.kind === 'application' && decodeAppMessage(got.plaintext).body).toMatchObject({
      text: 'after restart',
    });
    const reply = await encryptApplication(
      b.device,
      got.newState,
      encodeAppMessage(textMessage('welcome back')),
    );
    const back = await processIncoming(a.device, sent.newState, reply.message);
    expect(back.kind).toBe('application');
  });

  test('operations never mutate the state they are given', async () => {
    const [a] = await makeAccount('alice', 1);
    const state = await createGroup(a!.device);
    const before = serializeGroupState(state);
    await encryptApplication(a!.device, state, encodeAppMessage(textMessage('x')));
    expect(serializeGroupState(state)).toEqual(before);
  });

  test('device identity and key packages round-trip', async () => {
    const [a] = await makeAccount('alice', 1);
    const id = a!.device.identity;
    expect(deserializeDeviceIdentity(serializeDeviceIdentity(id))).toEqual(id);
    const kp = await generateKeyPackage(a!.device, { lastResort: true });
    const back = deserializeKeyPackage(serializeKeyPackage(kp));
    expect(back.ref).toEqual(kp.ref);
    expect(back.lastResort).toBe(true);
    expect(back.privateKeys).toEqual(kp.privateKeys);
  });

  test('encrypted records open with the right key only, and never contain keys in clear', async () => {
    const [a] = await makeAccount('alice', 1);
    const state = await createGroup(a!.device);
    const key = await deriveStorageKey('a long passphrase', {
      params: { logN: 10, r: 8, p: 1 },
      unsafeTestingWeakKdf: true,
    });
    const wrong = await deriveStorageKey('not the passphrase', {
      params: { logN: 10, r: 8, p: 1 },
      unsafeTestingWeakKdf: true,
    });

    const sealedState = sealGroupState(key, state);
    expect(serializeGroupState(openGroupState(key, a!.device, sealedState))).toEqual(
      serializeGroupState(state),
    );
    expect(() => openGroupState(wrong, a!.device, sealedState)).toThrow(
      expect.objectContaining({ code: 'wrong_key' }),
    );

    const identity = a!.device.identity;
    const sealedIdentity = sealDeviceIdentity(key, identity);
    expect(openDeviceIdentity(key, sealedIdentity)).toEqual(identity);
    expect(Buffer.from(sealedIdentity).includes(Buffer.from(identity.deviceKey.signKey))).toBe(false);
    expect(Buffer.from(sealedIdentity).includes(Buffer.from(identity.identityPrivateKey!))).toBe(false);

    const kp = await generateKeyPackage(a!.device);
    const other = generateStorageKey();
    expect(openKeyPackage(other, sealKeyPackage(other, kp)).ref).toEqual(kp.ref);
    // A record of one kind cannot be opened as another.
    expect(() => openKeyPackage(key, sealedIdentity)).toThrow(expect.objectContaining({ code: 'wrong_key' }));
  });
});
