/**
 * The in-place PrivateMessage header reader (group/privateHeader.ts) against ts-mls's decoder as
 * `decodeMessage` runs it: on real messages of a real group (application messages whose vectors
 * take each length form, a commit, a Welcome, a key package) and on any mutation of them or random
 * bytes, the reader returns exactly the group id, epoch and content type `decodeMessage` finds in a
 * PrivateMessage, and nothing for whatever `decodeMessage` refuses or reads as another wire format.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import {
  addAccount,
  decodeMessage,
  encodeAppMessage,
  encryptApplication,
  type PrivateHeader,
  privateHeader,
  selfUpdate,
  textMessage,
} from '../src/index.js';
import { makeAccount, pair, publishKeyPackage } from './helpers.js';
import { mutationOf } from './mutations.js';

/** What `decodeMessage` makes of `bytes`, as a header (undefined: refused, or not a PrivateMessage). */
function expected(bytes: Uint8Array): PrivateHeader | undefined {
  try {
    const m = decodeMessage(bytes);
    if (m.wireformat !== 'mls_private_message') return undefined;
    const { groupId, epoch, contentType } = m.privateMessage;
    return { groupId, epoch, contentType };
  } catch {
    return undefined;
  }
}

function sameAsDecoder(bytes: Uint8Array): boolean {
  const mine = privateHeader(bytes);
  const theirs = expected(bytes);
  if (mine === undefined || theirs === undefined) return mine === theirs;
  return (
    mine.epoch === theirs.epoch &&
    mine.contentType === theirs.contentType &&
    Buffer.from(mine.groupId).equals(Buffer.from(theirs.groupId))
  );
}

/** `message` with its group id's length written in a longer form than needed (2, 4 or 8 bytes). */
function longLengthForm(message: Uint8Array, size: 2 | 4 | 8): Uint8Array {
  const length = message[4]!;
  if (length >> 6 !== 0) throw new Error('expected a 1-byte length form');
  const prefix =
    size === 2 ? [0x40, length] : size === 4 ? [0x80, 0, 0, length] : [0xc0, 0, 0, 0, 0, 0, 0, length];
  return new Uint8Array([...message.subarray(0, 4), ...prefix, ...message.subarray(5)]);
}

async function seeds(): Promise<Uint8Array[]> {
  const { a } = await pair();
  const texts = ['hi', 'x'.repeat(100), 'y'.repeat(10_000)]; // ciphertexts with 1- and 2-byte lengths
  const out: Uint8Array[] = [];
  for (const text of texts) {
    const r = await encryptApplication(a.device, a.state!, encodeAppMessage(textMessage(text)));
    a.state = r.newState;
    out.push(r.message);
  }
  const [carol] = await makeAccount('carol', 1);
  const add = await addAccount(a.device, a.state!, 'carol', [await publishKeyPackage(carol!)]);
  out.push(add.commit, add.welcome!, await publishKeyPackage(carol!));
  a.state = add.newState;
  out.push((await selfUpdate(a.device, a.state!)).commit);
  return out;
}

test('the header reader agrees with the MLS decoder on real messages, on every mutation of them and on random bytes', async () => {
  const valid = await seeds();
  const privates = valid.filter((m) => expected(m) !== undefined);
  expect(privates).toHaveLength(3);
  for (const m of valid) expect(sameAsDecoder(m)).toBe(true);
  for (const m of privates) {
    expect(privateHeader(m)).toMatchObject({ contentType: 'application' });
    // A length in a longer form than needed is accepted by both, and reads the same.
    for (const size of [2, 4] as const) {
      const longer = longLengthForm(m, size);
      expect(privateHeader(longer)).toEqual(privateHeader(m));
      expect(sameAsDecoder(longer)).toBe(true);
    }
    // The 8-byte form is refused by both (RFC 9420 §2.1.2 allows it; ts-mls does not take it).
    expect(privateHeader(longLengthForm(m, 8))).toBeUndefined();
    expect(sameAsDecoder(longLengthForm(m, 8))).toBe(true);
  }
  // Every truncation of one message, and every single byte of another set to each edge value.
  const short = privates[0]!;
  for (let n = 0; n <= short.length; n++) expect(sameAsDecoder(short.subarray(0, n))).toBe(true);
  for (let i = 0; i < short.length; i++)
    for (const v of [0x00, 0x01, 0x02, 0x03, 0x04, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff]) {
      const edited = short.slice();
      edited[i] = v;
      expect(sameAsDecoder(edited)).toBe(true);
    }
  fc.assert(
    fc.property(mutationOf(valid), (bytes) => sameAsDecoder(bytes)),
    { numRuns: 3_000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (rest) =>
      sameAsDecoder(new Uint8Array([0, 1, 0, 2, ...rest])),
    ),
    { numRuns: 3_000 },
  );
});
