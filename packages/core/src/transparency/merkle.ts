/**
 * Merkle trees of RFC 9162 (Certificate Transparency 2.0), §2.1: the tree hash of an append-only
 * list of entries, inclusion proofs (an entry is in the list a root commits to) and consistency
 * proofs (a longer list's root extends a shorter one's, nothing rewritten). Key transparency's log
 * is such a list (issue #21). SHA-256 throughout; leaf and node hashes are domain-separated by a
 * 0x00 / 0x01 prefix, so a leaf can never pass for an inner node.
 *
 * Proof verification follows §2.1.3.2 and §2.1.4.2 step by step; generation follows the PATH and
 * PROOF definitions of §2.1.3.1 and §2.1.4.1. Tested against the Certificate Transparency
 * reference vectors (packages/core/test/merkle.test.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from '../encoding.js';

export const HASH_BYTES = 32;
const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

function hashOf(...parts: Uint8Array[]): Uint8Array {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(entry: Uint8Array): Uint8Array {
  return hashOf(LEAF, entry);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES)
    throw new TypeError('a node hash joins two 32-byte hashes');
  return hashOf(NODE, left, right);
}

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkLeaves(leaves: readonly Uint8Array[]): void {
  if (!Array.isArray(leaves)) throw new TypeError('leaves must be an array of 32-byte hashes');
  for (const l of leaves)
    if (!(l instanceof Uint8Array) || l.length !== HASH_BYTES) throw new TypeError('a leaf hash is 32 bytes');
}

function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hashOf();
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** The Merkle Tree Hash of a list given by its leaf hashes (the empty list: SHA-256 of nothing). */
export function rootOf(leaves: readonly Uint8Array[]): Uint8Array {
  checkLeaves(leaves);
  return mth(leaves);
}

function path(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** The inclusion proof of leaf `index` in the first `size` leaves (§2.1.3.1 PATH). */
export function inclusionProof(
  leaves: readonly Uint8Array[],
  index: number,
  size = leaves.length,
): Uint8Array[] {
  checkLeaves(leaves);
  if (!Number.isInteger(size) || size < 1 || size > leaves.length)
    throw new RangeError('no tree of that size');
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError('no such leaf');
  return path(index, leaves.slice(0, size));
}

function subproof(m: number, leaves: readonly Uint8Array[], complete: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), mth(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

/** The consistency proof from the first `first` leaves to the first `second` (§2.1.4.1 PROOF). */
export function consistencyProof(
  leaves: readonly Uint8Array[],
  first: number,
  second = leaves.length,
): Uint8Array[] {
  checkLeaves(leaves);
  if (!Number.isInteger(second) || second < 0 || second > leaves.length)
    throw new RangeError('no tree of that size');
  if (!Number.isInteger(first) || first < 0 || first > second)
    throw new RangeError('the first size must not exceed the second');
  if (first === 0 || first === second) return [];
  return subproof(first, leaves.slice(0, second), true);
}

const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_BYTES;

/** Whether `proof` shows leaf `leaf` at `index` in the tree of `size` with root `root` (§2.1.3.2). */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

/** Whether `proof` shows the tree of `second` leaves (root `secondRoot`) extends that of `first` (§2.1.4.2). */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isHash(firstRoot) || !isHash(secondRoot) || !Array.isArray(proof) || !proof.every(isHash))
    return false;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (first === second) return proof.length === 0 && bytesEqual(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0 && bytesEqual(firstRoot, hashOf());
  if (proof.length === 0) return false;
  // 1. If first is an exact power of 2, prepend firstRoot to the proof.
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  // 2–3.
  let fn = first - 1;
  let sn = second - 1;
  // 4. Right-shift both while fn's lowest bit is set.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6.
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  return bytesEqual(fr, firstRoot) && bytesEqual(sr, secondRoot) && sn === 0;
}
