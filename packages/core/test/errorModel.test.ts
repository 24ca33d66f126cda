import { readFileSync } from 'node:fs';
import { CryptoVerificationError as MlsCryptoVerificationError } from 'ts-mls/mlsError.js';
import { describe, expect, test } from 'vitest';
import {
  CryptoError,
  codeOf,
  DecodeError,
  ERROR_CODES,
  type ErrorCode,
  FRAME_ERROR_CODES,
  fromMlsError,
  GroupError,
  HTTP_ERROR_CODES,
  IdentityError,
  IdentityKeyMismatchError,
  is,
  isErrorCode,
  ParleyError,
  UsageError,
} from '../src/index.js';

describe('is() and codeOf()', () => {
  const cases: Array<[ParleyError, ErrorCode]> = [
    [new ParleyError('internal', 'x'), 'internal'],
    [new DecodeError('x'), 'decode_error'],
    [new DecodeError('x', 'too_large'), 'too_large'],
    [new CryptoError('decrypt_failed', 'x'), 'decrypt_failed'],
    [new IdentityError('credential_expired', 'x'), 'credential_expired'],
    [new IdentityKeyMismatchError('alice', new Uint8Array(32)), 'identity_key_mismatch'],
    [new GroupError('wrong_epoch', 'x'), 'wrong_epoch'],
    [new UsageError('x'), 'usage'],
    [fromMlsError(new MlsCryptoVerificationError('x')), 'bad_signature'],
  ];

  test.each(cases)('%o has its code and no other', (error, code) => {
    expect(is(error, code)).toBe(true);
    expect(codeOf(error)).toBe(code);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error.name).toBe(error.constructor.name);
    for (const other of ERROR_CODES) if (other !== code) expect(is(error, other)).toBe(false);
  });

  test('anything that is not a Parley error has no code, whatever its fields say', () => {
    const lookalikes: unknown[] = [
      new Error('usage'),
      Object.assign(new Error('boom'), { code: 'usage' }),
      { code: 'not_found', message: 'x' },
      'not_found',
      undefined,
      null,
      42,
    ];
    for (const e of lookalikes) {
      expect(codeOf(e)).toBeUndefined();
      expect(is(e, 'usage')).toBe(false);
      expect(is(e, 'not_found')).toBe(false);
    }
  });

  test('the HTTP status and the cause are kept', () => {
    const cause = new Error('below');
    const e = new ParleyError('not_found', 'no such account', { status: 404, cause });
    expect([e.status, e.cause, e.message]).toEqual([404, cause, 'no such account']);
    expect(new ParleyError('usage', 'x').status).toBeUndefined();
  });
});

describe('the codes', () => {
  test('each code is listed once, and only listed strings are codes', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    for (const other of ['', 'Usage', 'ECONNREFUSED', 'stale_epoch', 42, undefined])
      expect(isErrorCode(other)).toBe(false);
  });

  test('the wire codes are exactly those of docs/protocol.md', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const httpSection = doc.split('### Errors')[1]?.split('\n## ')[0] ?? '';
    const http = [...httpSection.matchAll(/^\| \d{3} \| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(http)).toEqual(new Set(HTTP_ERROR_CODES));
    const wsSection = doc.split('### WebSocket error codes')[1]?.split('\n\n')[1] ?? '';
    const ws = [...wsSection.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    expect(new Set(ws)).toEqual(new Set(FRAME_ERROR_CODES));
  });
});
