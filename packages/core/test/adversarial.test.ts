import {
  createCommit,
  defaultAuthenticationService,
  encodeMlsMessage,
  generateKeyPackageWithKey,
} from 'ts-mls';
import { protectApplicationData } from 'ts-mls/messageProtection.js';
import { describe, expect, test } from 'vitest';
import {
  addAccount,
  createAccount,
  createGroup,
  createMlsDevice,
  credentialFor,
  decodeMessage,
  encodeAppMessage,
  encryptApplication,
  groupMembers,
  inspectKeyPackage,
  issueDeviceCertificate,
  processIncoming,
  textMessage,
  toHex,
} from '../src/index.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';
import { deliver, errorOf, join, makeAccount, pair, publishKeyPackage, type TestDevice } from './helpers.js';

async function send(from: TestDevice, text: string): Promise<Uint8Array> {
  const r = await encryptApplication(from.device, from.state!, encodeAppMessage(textMessage(text)));
  from.state = r.newState;
  return r.message;
}

describe('adversarial inputs are rejected with typed errors', () => {
  test('tampered ciphertext → decrypt_failed, and the receiver’s state is unchanged', async () => {
    const { a, b } = await pair();
    const msg = await send(a, 'integrity matters');
    for (const offset of [msg.length - 1, msg.length - 20]) {
      const tampered = msg.slice();
      tampered[offset]! ^= 0x01;
      const before = b.state;
      const e = await errorOf(processIncoming(b.device, b.state!, tampered));
      expect(e.code).toBe('decrypt_failed');
      expect(b.state).toBe(before);
    }
    // The genuine message still decrypts afterwards.
    expect((await deliver(msg, [b]))[0]!.kind).toBe('application');
  });

  test('garbage and truncated input → decode_error, oversized → too_large', async () => {
    const { a, b } = await pair();
    const msg = await send(a, 'x');
    expect((await errorOf(processIncoming(b.device, b.state!, msg.subarray(0, 10)))).code).toBe(
      'decode_error',
    );
    expect((await errorOf(processIncoming(b.device, b.state!, new Uint8Array([1, 2, 3])))).code).toBe(
      'decode_error',
    );
    expect((await errorOf(processIncoming(b.device, b.state!, new Uint8Array(9 * 1024 * 1024)))).code).toBe(
      'too_large',
    );
  });

  test('replayed application message → replayed_message', async () => {
    const { a, b } = await pair();
    const msg = await send(a, 'once only');
    await deliver(msg, [b]);
    expect((await errorOf(processIncoming(b.device, b.state!, msg))).code).toBe('replayed_message');
  });

  test('replayed commit → wrong_epoch', async () => {
    const { a, b } = await pair();
    const [c] = await makeAccount('carol', 1);
    const add = await addAccount(a.device, a.state!, 'carol', [await publishKeyPackage(c!)]);
    a.state = add.newState;
    await deliver(add.commit, [b]);
    expect((await errorOf(processIncoming(b.device, b.state!, add.commit))).code).toBe('wrong_epoch');
  });

  test('message from a non-member (same group id and epoch, own keys) → decrypt_failed', async () => {
    const { a, b } = await pair();
    const [m] = await makeAccount('mallory', 1);
    // Mallory forges a group with the same id and brings it to the same epoch.
    m!.state = await createGroup(m!.device, { groupId: a.state!.groupContext.groupId });
    const [m2] = await makeAccount('mallory2', 1);
    const add = await addAccount(m!.device, m!.state, 'mallory2', [await publishKeyPackage(m2!)]);
    m!.state = add.newState;
    expect(m!.state.groupContext.epoch).toBe(b.state!.groupContext.epoch);
    const forged = await send(m!, 'let me in');
    expect((await errorOf(processIncoming(b.device, b.state!, forged))).code).toBe('decrypt_failed');
  });

  test('a member sending as another member (wrong sender) → bad_signature', async () => {
    const { a, b } = await pair();
    const [c] = await makeAccount('carol', 1);
    const add = await addAccount(a.device, a.state!, 'carol', [await publishKeyPackage(c!)]);
    a.state = add.newState;
    await deliver(add.commit, [b]);
    await join(c!, add.welcome!);
    // Bob encrypts with the group's keys but claims alice's leaf: he cannot produce her signature.
    const s = b.state!;
    const aliceLeaf = groupMembers(s).find((x) => x.accountId === 'alice')!.leafIndex;
    const forged = await protectApplicationData(
      s.signaturePrivateKey,
      s.keySchedule.senderDataSecret,
      encodeAppMessage(textMessage('I am alice')),
      new Uint8Array(),
      s.groupContext,
      s.secretTree,
      aliceLeaf,
      s.clientConfig.paddingConfig,
      b.device.cs,
    );
    const bytes = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: forged.privateMessage,
    });
    expect((await errorOf(processIncoming(c!.device, c!.state!, bytes))).code).toBe('bad_signature');
  });

  test('credential not certified by the account identity key → credential_not_certified', async () => {
    const { a, b } = await pair();
    const cs = a.device.cs;
    // Mallory claims to be a new device of "carol", but signs the certificate with a key that is not
    // the identity key the certificate names.
    const carol = await createAccount('carol', cs);
    const mallory = await createAccount('mallory', cs);
    const deviceKey = await cs.signature.keygen();
    const cert = await issueDeviceCertificate(
      { publicKey: mallory.identityKey, privateKey: mallory.identityPrivateKey! },
      {
        accountId: 'carol',
        deviceId: 'fake',
        deviceKey: deviceKey.publicKey,
        issuedAt: Date.now(),
        expiresAt: null,
      },
      cs.signature,
    );
    const forgedCert = { ...cert, identityKey: carol.identityKey };
    const now = BigInt(Math.floor(Date.now() / 1000));
    const { publicPackage } = await generateKeyPackageWithKey(
      credentialFor(forgedCert),
      { versions: ['mls10'], ciphersuites: [cs.name], extensions: [], proposals: [], credentials: ['basic'] },
      { notBefore: now - 60n, notAfter: now + 3600n },
      [],
      deviceKey,
      cs,
    );
    const kpBytes = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_key_package',
      keyPackage: publicPackage,
    });
    // A careful adder refuses the package...
    expect((await errorOf(inspectKeyPackage(a.device, kpBytes, 'carol'))).code).toBe(
      'credential_not_certified',
    );
    // ...and if a careless (or malicious) member commits it anyway, every other member rejects the commit.
    const careless = {
      ...a.state!,
      clientConfig: { ...a.state!.clientConfig, authService: defaultAuthenticationService },
    };
    const commit = await createCommit(
      { state: careless, cipherSuite: cs },
      {
        extraProposals: [{ proposalType: 'add', add: { keyPackage: publicPackage } }],
        wireAsPublicMessage: true,
      },
    );
    const commitBytes = encodeMlsMessage(commit.commit);
    expect((await errorOf(processIncoming(b.device, b.state!, commitBytes))).code).toBe(
      'credential_not_certified',
    );
    // Reading through identity-key changes lets nothing else in.
    const tolerant = processIncoming(b.device, b.state!, commitBytes, { onIdentityChange: async () => {} });
    expect((await errorOf(tolerant)).code).toBe('credential_not_certified');
  });

  test('swapped identity key for a known account → identity_key_mismatch', async () => {
    const { a, b } = await pair();
    // The server hands alice a key package for "bob" under a different identity key (a fresh
    // account named bob), i.e. a man in the middle.
    const [fakeBob] = await makeAccount('bob', 1);
    fakeBob!.device = await createMlsDevice(fakeBob!.device.identity, { provider: nativeCryptoProvider });
    const kp = await publishKeyPackage(fakeBob!);
    expect((await errorOf(inspectKeyPackage(a.device, kp, 'bob'))).code).toBe('identity_key_mismatch');
    expect((await errorOf(addAccount(a.device, a.state!, 'bob', [kp]))).code).toBe('identity_key_mismatch');
    // Same for a member that processes a commit adding the impostor.
    const careless = {
      ...a.state!,
      clientConfig: { ...a.state!.clientConfig, authService: defaultAuthenticationService },
    };
    const { keyPackage } = decodeMessage(kp) as { keyPackage: import('ts-mls').KeyPackage };
    const commit = await createCommit(
      { state: careless, cipherSuite: a.device.cs },
      { extraProposals: [{ proposalType: 'add', add: { keyPackage } }], wireAsPublicMessage: true },
    );
    expect((await errorOf(processIncoming(b.device, b.state!, encodeMlsMessage(commit.commit)))).code).toBe(
      'identity_key_mismatch',
    );
    // A member reading the log with onIdentityChange processes it and is told of the change; the
    // state it gets back keeps the device's strict AuthenticationService.
    const changes: string[] = [];
    const read = await processIncoming(b.device, b.state!, encodeMlsMessage(commit.commit), {
      onIdentityChange: async (e) => {
        changes.push(`${e.accountId}:${toHex(e.presentedKey)}`);
      },
    });
    expect(new Set(changes)).toEqual(new Set([`bob:${toHex(fakeBob!.device.identity.identityKey)}`]));
    expect(read.kind === 'commit' && read.added.map((m) => m.accountId)).toEqual(['bob']);
    expect(read.newState.clientConfig.authService).toBe(b.device.config.authService);
  });

  test('key package of another account than the one being added → unexpected_account', async () => {
    const { a } = await pair();
    const [c] = await makeAccount('carol', 1);
    const kp = await publishKeyPackage(c!);
    expect((await errorOf(addAccount(a.device, a.state!, 'dave', [kp]))).code).toBe('unexpected_account');
  });

  test('an unknown identity is refused when the policy says so → identity_rejected', async () => {
    const [a] = await makeAccount('alice', 1, nativeCryptoProvider, { onUnknownIdentity: () => false });
    const [c] = await makeAccount('carol', 1);
    a!.state = await createGroup(a!.device);
    const kp = await publishKeyPackage(c!);
    expect((await errorOf(addAccount(a!.device, a!.state, 'carol', [kp]))).code).toBe('identity_rejected');
  });
});
