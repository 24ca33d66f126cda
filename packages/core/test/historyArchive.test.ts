/**
 * The history archive a device sends one it linked: it round-trips, and anything else (another
 * format, cut short, trailing bytes, a lying record count, a non-canonical account) is refused
 * with `history_invalid`, never another error.
 */
import { expect, test } from 'vitest';
import { codeOf, decodeHistoryArchive, encodeHistoryArchive, utf8 } from '../src/index.js';

const archive = {
  accountId: 'alice',
  createdAt: 1_790_000_000_000,
  since: 1_780_000_000_000,
  records: [
    { ns: 'conversations', key: 'ab12', value: utf8('{"name":"club"}') },
    { ns: 'messages:ab12', key: '000000000007', value: utf8('{"text":"hi"}') },
  ],
};

test('an archive round-trips', () => {
  expect(decodeHistoryArchive(encodeHistoryArchive(archive))).toEqual(archive);
});

test('hostile bytes are refused with history_invalid', () => {
  const good = encodeHistoryArchive(archive);
  const count =
    good.length -
    archive.records.reduce((n, r) => n + 7 + r.ns.length + r.key.length + r.value.length, 0) -
    4;
  const lying = good.slice();
  lying.set([0xff, 0xff, 0xff, 0xff], count);
  const cases = [
    new Uint8Array(0),
    utf8('PRLYBKUP'),
    good.subarray(0, good.length - 1),
    new Uint8Array([...good, 0]),
    Object.assign(good.slice(), { 8: 2 }),
    lying,
    encodeHistoryArchive({ ...archive, accountId: 'Alice' }),
  ];
  for (const [i, bytes] of cases.entries()) {
    let code: string | undefined;
    try {
      decodeHistoryArchive(bytes);
    } catch (e) {
      code = codeOf(e);
    }
    expect([i, code]).toEqual([i, 'history_invalid']);
  }
});
