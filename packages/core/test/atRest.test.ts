import { describe, expect, test } from 'vitest';
import {
  deriveStorageKey,
  generateStorageKey,
  nobleScrypt,
  open,
  openWithPassphrase,
  seal,
  utf8,
} from '../src/index.js';
import { nodeScrypt } from '../src/node/scrypt.js';
import { codeOf } from './errors.js';

const weak = { params: { logN: 10, r: 8, p: 1 }, unsafeTestingWeakKdf: true } as const;

describe('encryption at rest', () => {
  test('a record sealed under a passphrase opens with it and not with another', async () => {
    const key = await deriveStorageKey('correct horse battery staple', weak);
    const record = seal(key, utf8('group secrets'), 'ctx');
    expect(new TextDecoder().decode(open(key, record, 'ctx'))).toBe('group secrets');
    const again = await openWithPassphrase('correct horse battery staple', record, 'ctx', weak);
    expect(new TextDecoder().decode(again.plaintext)).toBe('group secrets');
    await expect(openWithPassphrase('wrong passphrase', record, 'ctx', weak)).rejects.toMatchObject({
      code: 'wrong_key',
    });
  });

  test('the plaintext does not appear in the record', async () => {
    const key = generateStorageKey();
    const record = seal(key, utf8('attack at dawn'), 'ctx');
    expect(Buffer.from(record).includes(Buffer.from('attack at dawn'))).toBe(false);
  });

  test('tampering, a wrong key or a wrong context is detected', () => {
    const key = generateStorageKey();
    const record = seal(key, utf8('x'), 'group-state');
    const flipped = record.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(codeOf(() => open(key, flipped, 'group-state'))).toBe('wrong_key');
    expect(codeOf(() => open(generateStorageKey(), record, 'group-state'))).toBe('wrong_key');
    expect(codeOf(() => open(key, record, 'device-identity'))).toBe('wrong_key');
    expect(codeOf(() => open(key, record.subarray(0, 20), 'group-state'))).toBe('decode_error');
  });

  test('hostile KDF parameters in a record are refused before any work', async () => {
    const key = await deriveStorageKey('pw', weak);
    const record = seal(key, utf8('x'), 'ctx');
    record[6] = 30; // logN = 30 would need 2^30 * 1 KiB of memory
    await expect(openWithPassphrase('pw', record, 'ctx', weak)).rejects.toMatchObject({
      code: 'decode_error',
    });
  });

  test('weak KDF parameters are refused unless explicitly allowed for tests', async () => {
    await expect(deriveStorageKey('pw', { params: { logN: 10, r: 8, p: 1 } })).rejects.toMatchObject({
      code: 'decode_error',
    });
  });

  test("Node's native scrypt and @noble/hashes's produce the same key (RFC 7914 vector too)", async () => {
    // RFC 7914 §12, second vector: P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64.
    const expected =
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640';
    const salt = utf8('NaCl');
    const params = { logN: 10, r: 8, p: 16 };
    const a = await nodeScrypt(utf8('password'), salt, params, 64);
    const b = await nobleScrypt(utf8('password'), salt, params, 64);
    expect(Buffer.from(a).toString('hex')).toBe(expected);
    expect(Buffer.from(b).toString('hex')).toBe(expected);
  });
});
