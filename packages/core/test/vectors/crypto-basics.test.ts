/** crypto-basics.json: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, Sign/EncryptWithLabel. */
import { refhash } from 'ts-mls/crypto/hash.js';
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { check, checkBytes, checkRejects, describeSuiteVectors, hex, tamper } from './vectors.js';

interface CryptoBasicsCase {
  cipher_suite: number;
  ref_hash: { label: string; value: string; out: string };
  expand_with_label: { secret: string; label: string; context: string; length: number; out: string };
  derive_secret: { secret: string; label: string; out: string };
  derive_tree_secret: { secret: string; label: string; generation: number; length: number; out: string };
  sign_with_label: { priv: string; pub: string; content: string; label: string; signature: string };
  encrypt_with_label: {
    priv: string;
    pub: string;
    label: string;
    context: string;
    plaintext: string;
    kem_output: string;
    ciphertext: string;
  };
}

describeSuiteVectors<CryptoBasicsCase>('crypto-basics', async (v, { impl }) => {
  // ref_hash: out == RefHash(label, value)
  checkBytes('ref_hash', await refhash(v.ref_hash.label, hex(v.ref_hash.value), impl.hash), v.ref_hash.out);

  // expand_with_label: out == ExpandWithLabel(secret, label, context, length)
  const e = v.expand_with_label;
  checkBytes(
    'expand_with_label',
    await expandWithLabel(hex(e.secret), e.label, hex(e.context), e.length, impl.kdf),
    e.out,
  );

  // derive_secret: out == DeriveSecret(secret, label)
  checkBytes(
    'derive_secret',
    await deriveSecret(hex(v.derive_secret.secret), v.derive_secret.label, impl.kdf),
    v.derive_secret.out,
  );

  // derive_tree_secret: out == DeriveTreeSecret(secret, label, generation, length)
  const t = v.derive_tree_secret;
  checkBytes(
    'derive_tree_secret',
    await deriveTreeSecret(hex(t.secret), t.label, t.generation, t.length, impl.kdf),
    t.out,
  );

  // sign_with_label: the given signature verifies, and a fresh SignWithLabel(priv) verifies.
  const s = v.sign_with_label;
  const [pub, content] = [hex(s.pub), hex(s.content)];
  check(
    await verifyWithLabel(pub, s.label, content, hex(s.signature), impl.signature),
    'sign_with_label: VerifyWithLabel(pub, label, content, signature) is false',
  );
  const fresh = await signWithLabel(hex(s.priv), s.label, content, impl.signature);
  check(
    await verifyWithLabel(pub, s.label, content, fresh, impl.signature),
    'sign_with_label: VerifyWithLabel(pub, label, content, SignWithLabel(priv, label, content)) is false',
  );
  // Negative checks (not in the spec): a verifier that accepts anything would pass the two above.
  check(
    !(await verifyWithLabel(pub, s.label, tamper(content), hex(s.signature), impl.signature)),
    'sign_with_label: signature verified over tampered content',
  );
  check(
    !(await verifyWithLabel(pub, `${s.label}x`, content, hex(s.signature), impl.signature)),
    'sign_with_label: signature verified under another label',
  );

  // encrypt_with_label: the given ciphertext decrypts; a fresh EncryptWithLabel(pub) round-trips.
  const h = v.encrypt_with_label;
  const priv = await impl.hpke.importPrivateKey(hex(h.priv));
  const recipient = await impl.hpke.importPublicKey(hex(h.pub));
  checkBytes(
    'encrypt_with_label: DecryptWithLabel(kem_output, ciphertext)',
    await decryptWithLabel(priv, h.label, hex(h.context), hex(h.kem_output), hex(h.ciphertext), impl.hpke),
    h.plaintext,
  );
  const { ct, enc } = await encryptWithLabel(recipient, h.label, hex(h.context), hex(h.plaintext), impl.hpke);
  checkBytes(
    'encrypt_with_label: DecryptWithLabel(EncryptWithLabel(plaintext))',
    await decryptWithLabel(priv, h.label, hex(h.context), enc, ct, impl.hpke),
    h.plaintext,
  );
  await checkRejects(
    'encrypt_with_label: tampered ciphertext must not decrypt',
    decryptWithLabel(priv, h.label, hex(h.context), hex(h.kem_output), tamper(hex(h.ciphertext)), impl.hpke),
  );
});
