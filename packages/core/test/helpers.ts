/** Test helpers: accounts with several devices, each with its own pinned-identity store. */
import type { CryptoProvider } from 'ts-mls';
import {
  addAccount,
  certifyNewDevice,
  createAccount,
  createGroup,
  createMlsDevice,
  type DeviceIdentity,
  type GeneratedKeyPackage,
  type GroupState,
  generateKeyPackage,
  identityKeyPairOf,
  joinFromWelcome,
  type MlsDevice,
  type MlsDeviceOptions,
  type ParleyError,
  processIncoming,
} from '../src/index.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';

export interface TestDevice {
  name: string;
  device: MlsDevice;
  keyPackages: Map<string, GeneratedKeyPackage>;
  state?: GroupState;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export async function makeAccount(
  username: string,
  deviceCount: number,
  provider: CryptoProvider = nativeCryptoProvider,
  options: MlsDeviceOptions = {},
): Promise<TestDevice[]> {
  const bootstrap = await createMlsDevice(await createAccount(username, await csFor(provider)), {
    provider,
    ...options,
  });
  const first = bootstrap.identity;
  const identities: DeviceIdentity[] = [first];
  for (let i = 1; i < deviceCount; i++) {
    identities.push(
      await certifyNewDevice(identityKeyPairOf(first), first.accountId, bootstrap.cs, {
        deviceId: `dev${i + 1}`,
      }),
    );
  }
  const out: TestDevice[] = [];
  for (const [i, identity] of identities.entries()) {
    out.push({
      name: `${username}${i + 1}`,
      device: i === 0 ? bootstrap : await createMlsDevice(identity, { provider, ...options }),
      keyPackages: new Map(),
    });
  }
  return out;
}

async function csFor(provider: CryptoProvider) {
  const { getCiphersuiteImpl, getCiphersuiteFromName } = await import('ts-mls');
  return getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'), provider);
}

/** A fresh one-time key package for a device, remembered so a Welcome can find it. */
export async function publishKeyPackage(d: TestDevice): Promise<Uint8Array> {
  const kp = await generateKeyPackage(d.device);
  d.keyPackages.set(hex(kp.ref), kp);
  return kp.encoded;
}

export async function join(d: TestDevice, welcome: Uint8Array): Promise<void> {
  const { state } = await joinFromWelcome(d.device, welcome, {
    find: async (ref) => d.keyPackages.get(hex(ref)),
  });
  d.state = state;
}

/** Deliver one message to each device, updating its state; returns each device's result. */
export async function deliver(message: Uint8Array, to: TestDevice[]) {
  const results = [];
  for (const d of to) {
    if (d.state === undefined) throw new Error(`${d.name} has no group state`);
    const result = await processIncoming(d.device, d.state, message);
    d.state = result.newState;
    results.push(result);
  }
  return results;
}

/** alice1 and bob1 in one group. */
export async function pair(): Promise<{ a: TestDevice; b: TestDevice }> {
  const [a] = await makeAccount('alice', 1);
  const [b] = await makeAccount('bob', 1);
  a!.state = await createGroup(a!.device);
  const add = await addAccount(a!.device, a!.state, 'bob', [await publishKeyPackage(b!)]);
  a!.state = add.newState;
  await join(b!, add.welcome!);
  return { a: a!, b: b! };
}

/** The error an operation is rejected with; fails the test when it is not rejected. */
export async function errorOf(p: Promise<unknown>): Promise<ParleyError> {
  try {
    await p;
  } catch (e) {
    return e as ParleyError;
  }
  throw new Error('expected the operation to be rejected');
}
