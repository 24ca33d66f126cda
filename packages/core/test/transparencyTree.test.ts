/**
 * The efficient log tree and frontier (transparency/tree.ts) agree with the RFC 9162 reference
 * (merkle.ts, itself checked against the CT vectors) for every size, index and pair of sizes up to
 * 40 leaves; the entry encoding round-trips and is length-prefixed; tree heads verify only under
 * their key and unaltered.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { expect, test } from 'vitest';
import {
  DecodeError,
  decodeLogEntry,
  encodeLogEntry,
  Frontier,
  LogTree,
  merkle,
  treeHeadMessage,
  verifyTreeHead,
} from '../src/index.js';

const leaves = Array.from({ length: 40 }, (_, i) => merkle.leafHash(Uint8Array.of(i, i * 7)));

test('LogTree roots and proofs equal the reference for every size, leaf and pair of sizes', () => {
  const tree = new LogTree();
  for (const l of leaves) tree.append(l);
  for (let size = 0; size <= leaves.length; size++) {
    expect(tree.root(size)).toEqual(merkle.rootOf(leaves.slice(0, size)));
    for (let i = 0; i < size; i++)
      expect(tree.inclusionProof(i, size)).toEqual(merkle.inclusionProof(leaves, i, size));
    for (let first = 0; first <= size; first++)
      expect(tree.consistencyProof(first, size)).toEqual(merkle.consistencyProof(leaves, first, size));
  }
  expect(() => tree.inclusionProof(40, 40)).toThrow(RangeError);
  expect(() => tree.root(41)).toThrow(RangeError);
});

test('a Frontier gives the same root as the whole tree at every size, also after encode/decode', () => {
  let f = Frontier.empty();
  for (let size = 0; size <= leaves.length; size++) {
    expect(f.root()).toEqual(merkle.rootOf(leaves.slice(0, size)));
    if (size < leaves.length) {
      f = Frontier.decode(f.encode());
      f.append(leaves[size]!);
    }
  }
  expect(() => Frontier.decode(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 3, 1))).toThrow(DecodeError);
});

test('log entries round-trip; a changed or truncated encoding is another leaf or refused', () => {
  const e = {
    kind: 'device_certified' as const,
    accountId: 'alice',
    certificate: Uint8Array.of(1, 2, 3),
    loggedAt: 5,
  };
  const bytes = encodeLogEntry(e);
  expect(decodeLogEntry(bytes)).toEqual(e);
  // The account is length-prefixed: "alice" + a certificate starting with 'b' is not "aliceb".
  const other = encodeLogEntry({ ...e, accountId: 'aliceb', certificate: Uint8Array.of(2, 3) });
  expect(other).not.toEqual(bytes);
  expect(() => decodeLogEntry(bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
  expect(() => decodeLogEntry(Uint8Array.of(1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toThrow(DecodeError);
});

test('an account deletion is an entry of its own kind, with no body, naming the account', () => {
  const deleted = { kind: 'account_deleted' as const, accountId: 'bob', loggedAt: 7 };
  const bytes = encodeLogEntry(deleted);
  expect(decodeLogEntry(bytes)).toEqual(deleted);
  // Nothing follows the account's name: a byte more is refused.
  expect(() => decodeLogEntry(Uint8Array.of(...bytes, 0))).toThrow(DecodeError);
  expect(encodeLogEntry({ ...deleted, accountId: 'bobb' })).not.toEqual(bytes);
  expect(bytes[1]).toBe(5);
});

test('a tree head verifies under its key only, and not once altered', () => {
  const secret = ed25519.utils.randomSecretKey();
  const head = { size: 3, root: merkle.rootOf(leaves.slice(0, 3)), timestamp: 1000 };
  const signed = { ...head, signature: ed25519.sign(treeHeadMessage(head), secret) };
  expect(verifyTreeHead(signed, ed25519.getPublicKey(secret))).toBe(true);
  expect(verifyTreeHead({ ...signed, size: 4 }, ed25519.getPublicKey(secret))).toBe(false);
  expect(verifyTreeHead(signed, ed25519.getPublicKey(ed25519.utils.randomSecretKey()))).toBe(false);
});
