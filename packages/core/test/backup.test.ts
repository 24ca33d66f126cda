/**
 * Recovery keys and the backup file format (issue #18): a fixed key and file open to known
 * contents (test vectors of our own); every single-character typo and adjacent swap in a key is
 * caught with its line named; a wrong key, every truncation and every flipped byte of a file fail
 * with a typed error — never a crash, never another code; hostile contents under the right key
 * are refused too.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, test } from 'vitest';
import {
  type BackupContents,
  concatBytes,
  formatRecoveryKey,
  fromHex,
  generateRecoveryKey,
  MAX_BACKUP_BYTES,
  openBackup,
  parseRecoveryKey,
  seal,
  sealBackup,
  storageKeyFromBytes,
  toHex,
  utf8,
  Writer,
} from '../src/index.js';
import { codeOf } from './errors.js';

const VECTOR = {
  key: Uint8Array.from({ length: 32 }, (_, i) => i),
  text: '000G-40R4-0M30-F2NX 104G-M2RC-1M70-Y26P 208H-44RM-2MB1-E6ZB 30CH-M6RW-3MF1-ZZG1',
  file: fromHex(
    '50524c59424b55500111768c153684e31c478f1a1ff8c5096c50524c590100db6baf54fbbc3bc9bb5e8c22cef63572f9df0a0ba6a99da3361cdff68407c0c8080233d6c9a0cd9faee008b54a9f11e0b9c7c97d39631f164f99a59ef9eec088f4a2d5b7fef423a518f3baf0166462a1e4aee9482d55aead4e52369802229f9ad8afeb16cc98d9e045eafec5a4d81ccdc1189a9b6c9dd9685593fc2a7081070f2b4b18fa71c4e67259329eb800e53bd47e5f94701e40ba57c3e48401700be203638f9526f9f78025e0c3fcc593e823bbb62d0ec465b1b9664eda42c764d891fadc',
  ),
  contents: {
    accountId: 'alice',
    identityKey: new Uint8Array(32).fill(0xaa),
    identityPrivateKey: new Uint8Array(32).fill(0xbb),
    createdAt: 1764547200000,
    records: [
      { ns: 'identities', key: 'bob', value: utf8('{"identityKey":"cc","verified":true,"pinnedAt":1}') },
    ],
  } satisfies BackupContents,
};

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('recovery keys', () => {
  test('the vector key is shown as four lines of four groups and parses back, typed leniently', () => {
    expect(formatRecoveryKey(VECTOR.key)).toBe(VECTOR.text);
    expect(parseRecoveryKey(VECTOR.text)).toEqual(VECTOR.key);
    const sloppy = ` ${VECTOR.text.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l')} `;
    expect(parseRecoveryKey(sloppy)).toEqual(VECTOR.key);
    const fresh = generateRecoveryKey();
    expect(fresh).toMatch(/^([0-9A-Z]{4}-){3}[0-9A-Z]{4}( ([0-9A-Z]{4}-){3}[0-9A-Z]{4}){3}$/);
    expect(parseRecoveryKey(fresh)).toHaveLength(32);
  });

  test('every one-character typo and every adjacent swap is caught, naming its line', () => {
    const clean = VECTOR.text.replace(/[ -]/g, '');
    let caught = 0;
    let tried = 0;
    for (let at = 0; at < clean.length; at++) {
      for (const c of ALPHABET) {
        if (c === clean[at]) continue;
        tried++;
        const typed = clean.slice(0, at) + c + clean.slice(at + 1);
        expect(() => parseRecoveryKey(typed)).toThrow(`line ${Math.floor(at / 16) + 1} of the recovery key`);
        caught++;
      }
      const swapped = clean.slice(0, at) + clean[at + 1] + clean[at] + clean.slice(at + 2);
      if (at + 1 < clean.length && clean[at] !== clean[at + 1])
        expect(codeOf(() => parseRecoveryKey(swapped))).toBe('recovery_key_invalid');
    }
    expect(caught).toBe(tried);
  });

  test('a wrong length or a character outside the alphabet is named', () => {
    expect(() => parseRecoveryKey(VECTOR.text.slice(0, -1))).toThrow('this one has 63');
    expect(() => parseRecoveryKey(`${VECTOR.text}Z`)).toThrow('this one has 65');
    expect(() => parseRecoveryKey(`U${VECTOR.text.slice(1)}`)).toThrow(
      'character 1 of the recovery key (“U”)',
    );
    expect(codeOf(() => parseRecoveryKey(''))).toBe('recovery_key_invalid');
  });
});

describe('backup files', () => {
  test('the vector file opens to its known contents; a new seal of them opens the same', () => {
    expect(openBackup(VECTOR.file, VECTOR.key)).toEqual(VECTOR.contents);
    const again = sealBackup(VECTOR.contents, VECTOR.key);
    expect(again).not.toEqual(VECTOR.file); // a fresh nonce
    expect(openBackup(again, VECTOR.key)).toEqual(VECTOR.contents);
    // Nothing of the contents shows in the file.
    expect(toHex(VECTOR.file)).not.toContain('bbbbbbbb');
    expect(toHex(VECTOR.file)).not.toContain(toHex(utf8('alice')));
  });

  test('a wrong recovery key is told apart from a damaged file', () => {
    expect(codeOf(() => openBackup(VECTOR.file, parseRecoveryKey(generateRecoveryKey())))).toBe(
      'wrong_recovery_key',
    );
  });

  test('every truncation and every flipped byte fails with a typed error', () => {
    for (let n = 0; n < VECTOR.file.length; n++) {
      const code = codeOf(() => openBackup(VECTOR.file.subarray(0, n), VECTOR.key));
      expect([n, code]).toEqual([n, 'backup_invalid']);
    }
    for (let i = 0; i < VECTOR.file.length; i++) {
      const bad = VECTOR.file.slice();
      bad[i]! ^= 0x01;
      const code = codeOf(() => openBackup(bad, VECTOR.key));
      // The key id (bytes 9 to 24) names the key: changed, it reads as another key's file.
      const expected = i >= 9 && i < 25 ? 'wrong_recovery_key' : 'backup_invalid';
      expect([i, code]).toEqual([i, expected]);
    }
    expect(codeOf(() => openBackup(new Uint8Array(MAX_BACKUP_BYTES + 1), VECTOR.key))).toBe('too_large');
  });

  test('hostile contents under the right key are refused, not trusted', () => {
    const salt = utf8('parley/v1/backup');
    const sealKey = storageKeyFromBytes(hkdf(sha256, VECTOR.key, salt, utf8('seal'), 32));
    const header = VECTOR.file.subarray(0, 25);
    const sealed = (plaintext: Uint8Array) =>
      concatBytes(header, seal(sealKey, plaintext, `parley/v1/backup\0${toHex(header)}`));
    const base = (account = 'alice', privateKeyBytes = 32) =>
      new Writer()
        .u8(1)
        .string(account, 128)
        .fixed(new Uint8Array(32), 32)
        .bytes(new Uint8Array(privateKeyBytes), 255)
        .u64(1);
    const cases: Record<string, Uint8Array> = {
      'count beyond the contents': base().u32(0xffffffff).finish(),
      'trailing bytes': base().u32(0).u8(7).finish(),
      'not canonical account': base('Alice').u32(0).finish(),
      'no private key': base('alice', 0).u32(0).finish(),
      'a record cut short': base().u32(1).string('identities', 255).finish(),
      'unknown format': new Writer().u8(2).finish(),
      empty: new Uint8Array(0),
    };
    for (const [name, plaintext] of Object.entries(cases))
      expect([name, codeOf(() => openBackup(sealed(plaintext), VECTOR.key))]).toEqual([
        name,
        'backup_invalid',
      ]);
    expect(openBackup(sealed(base().u32(0).finish()), VECTOR.key).records).toEqual([]);
  });
});
