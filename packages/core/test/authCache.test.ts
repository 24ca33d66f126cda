/**
 * The AuthenticationService remembers certificates whose signature verified. A remembered success
 * must not vouch for any other certificate: a device holding a genuine certificate of its own account
 * must not be accepted under another account by reusing that certificate's signature.
 */
import { expect, test } from 'vitest';
import {
  createAccount,
  credentialFor,
  loadCiphersuite,
  MemoryIdentityStore,
  ParleyAuthenticationService,
} from '../src/index.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';

test("a verified certificate's signature does not vouch for the same device key under another account", async () => {
  const cs = await loadCiphersuite(undefined, nativeCryptoProvider);
  const mallory = await createAccount('mallory', cs);
  const bob = await createAccount('bob', cs);
  const identities = new MemoryIdentityStore();
  const auth = new ParleyAuthenticationService({ signature: cs.signature, identities });
  const device = mallory.certificate.deviceKey;
  // The genuine certificate is checked (and remembered), and Bob's identity key is pinned.
  await expect(auth.validateCredential(credentialFor(mallory.certificate), device)).resolves.toBe(true);
  await expect(
    auth.validateCredential(credentialFor(bob.certificate), bob.certificate.deviceKey),
  ).resolves.toBe(true);
  // Mallory's device key and signature, claiming Bob's account and identity key.
  const forged = { ...mallory.certificate, accountId: bob.accountId, identityKey: bob.identityKey };
  await expect(auth.validateCredential(credentialFor(forged), device)).rejects.toThrow();
  // The genuine one still passes from memory.
  await expect(auth.validateCredential(credentialFor(mallory.certificate), device)).resolves.toBe(true);
});
