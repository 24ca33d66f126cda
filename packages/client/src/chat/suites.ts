/**
 * The ciphersuites a device runs groups in: the default one and the post-quantum one (X-Wing), each
 * with its MlsDevice (one identity, one suite implementation each), the key packages a device
 * publishes for each, and how a suite is named to people.
 */
import {
  type CiphersuiteName,
  type CryptoProvider,
  DEFAULT_CIPHERSUITE,
  type GroupState,
  type MlsDevice,
  ParleyError,
  POST_QUANTUM_CIPHERSUITE,
  withCiphersuite,
} from '@parley/core';
import type { Chat } from './context.js';

/**
 * The suites every device publishes key packages for, each with how many one-time packages it keeps
 * on the server (plus one last-resort package each). Post-quantum packages are larger and used
 * less, so fewer are kept; the last-resort one still lets anyone add the device.
 */
export const PUBLISHED_SUITES: ReadonlyArray<{ suite: CiphersuiteName; target: number }> = [
  { suite: DEFAULT_CIPHERSUITE, target: 20 },
  { suite: POST_QUANTUM_CIPHERSUITE, target: 5 },
];

/** What a conversation's view says of its ciphersuite. */
export interface SuiteInfo {
  /** The RFC 9420 / ts-mls suite name. */
  name: string;
  /** In words: "X-Wing (post-quantum) · AES-256-GCM", "X25519 · AES-128-GCM". */
  label: string;
  postQuantum: boolean;
}

/** The devices of every published suite, by suite name (the default one is `device` itself). */
export async function suiteDevices(
  device: MlsDevice,
  provider?: CryptoProvider,
): Promise<ReadonlyMap<string, MlsDevice>> {
  const devices = new Map<string, MlsDevice>();
  for (const { suite } of PUBLISHED_SUITES)
    devices.set(suite, await withCiphersuite(device, suite, provider));
  return devices;
}

/** The device to run a group (or a Welcome, a GroupInfo) of `suite` with. */
export function deviceFor(chat: Chat, suite: GroupState | string): MlsDevice {
  const name = typeof suite === 'string' ? suite : suite.groupContext.cipherSuite;
  const device = chat.suites.get(name);
  if (device === undefined) throw new ParleyError('unsupported', `ciphersuite ${name} is not offered here`);
  return device;
}

/** The suite a new conversation uses: the post-quantum one when asked. */
export function chosenSuite(options: { postQuantum?: boolean } | undefined): CiphersuiteName {
  return options?.postQuantum === true ? POST_QUANTUM_CIPHERSUITE : DEFAULT_CIPHERSUITE;
}

/** An existing conversation asked for with `postQuantum`: it must be one (a suite never changes). */
export function ofSuite(
  chat: Chat,
  groupIdHex: string,
  options: { postQuantum?: boolean } | undefined,
): string {
  const state = chat.conversations.state(groupIdHex);
  if (
    options?.postQuantum === true &&
    (state === undefined || !suiteInfo(state.groupContext.cipherSuite).postQuantum)
  )
    throw new ParleyError(
      'usage',
      'that conversation is not post-quantum; a conversation keeps its encryption',
    );
  return groupIdHex;
}

/** A suite as people read it (from its name: KEM, then the AEAD). */
export function suiteInfo(name: string): SuiteInfo {
  const postQuantum = name.includes('XWING');
  const kem = postQuantum
    ? 'X-Wing (post-quantum)'
    : (/DHKEM(X25519|X448|P256|P384|P521)/.exec(name)?.[1] ?? name).replace(/^P(\d+)/, 'P-$1');
  const aead = name.includes('CHACHA20POLY1305')
    ? 'ChaCha20-Poly1305'
    : `AES-${/AES(\d+)GCM/.exec(name)?.[1] ?? '?'}-GCM`;
  return { name, label: `${kem} · ${aead}`, postQuantum };
}
