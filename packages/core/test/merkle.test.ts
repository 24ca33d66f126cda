/**
 * RFC 9162 Merkle trees (core transparency/merkle.ts) against the Certificate Transparency
 * reference vectors (the eight reference entries, every root from 0 to 8 leaves, and the reference
 * inclusion and consistency proofs), then every proof of every tree up to 64 leaves both ways, and
 * damaged proofs refused.
 */
import { describe, expect, test } from 'vitest';
import { fromHex, toHex } from '../src/index.js';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../src/transparency/merkle.js';

// Reference data of Certificate Transparency's Merkle tree tests (RFC 6962/9162 hashing).
const ENTRIES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => fromHex(h));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CONSISTENCY = [
  {
    first: 2,
    second: 8,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const LEAVES = ENTRIES.map(leafHash);

describe('Certificate Transparency reference vectors', () => {
  test('the root of every size 0 to 8', () => {
    for (let n = 0; n <= 8; n++) expect(toHex(rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
  });

  test('the reference inclusion proofs are generated and verify', () => {
    for (const v of INCLUSION) {
      expect(inclusionProof(LEAVES, v.index, v.size).map(toHex)).toEqual(v.proof);
      expect(
        verifyInclusion(LEAVES[v.index]!, v.index, v.size, v.proof.map(fromHex), fromHex(ROOTS[v.size]!)),
      ).toBe(true);
    }
  });

  test('the reference consistency proofs are generated and verify', () => {
    for (const v of CONSISTENCY) {
      expect(consistencyProof(LEAVES, v.first, v.second).map(toHex)).toEqual(v.proof);
      expect(
        verifyConsistency(
          v.first,
          v.second,
          fromHex(ROOTS[v.first]!),
          fromHex(ROOTS[v.second]!),
          v.proof.map(fromHex),
        ),
      ).toBe(true);
    }
  });
});

describe('every proof up to 64 leaves, and damaged ones refused', () => {
  const N = 64;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(Uint8Array.of(i, i >> 3, 7)));
  const roots = Array.from({ length: N + 1 }, (_, n) => rootOf(leaves.slice(0, n)));
  const flip = (h: Uint8Array) => {
    const c = h.slice();
    c[5]! ^= 1;
    return c;
  };

  test('inclusion: every leaf of every size; a flipped, dropped, added or misplaced hash fails', () => {
    for (let n = 1; n <= N; n++)
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i, n);
        expect(verifyInclusion(leaves[i]!, i, n, proof, roots[n]!)).toBe(true);
        if (proof.length === 0) continue;
        expect(verifyInclusion(leaves[i]!, i, n, [flip(proof[0]!), ...proof.slice(1)], roots[n]!)).toBe(
          false,
        );
        expect(verifyInclusion(leaves[i]!, i, n, proof.slice(0, -1), roots[n]!)).toBe(false);
        expect(verifyInclusion(leaves[i]!, i, n, [...proof, roots[n]!], roots[n]!)).toBe(false);
        expect(verifyInclusion(flip(leaves[i]!), i, n, proof, roots[n]!)).toBe(false);
        if (n > 1) expect(verifyInclusion(leaves[i]!, (i + 1) % n, n, proof, roots[n]!)).toBe(false);
      }
  });

  test('consistency: every pair of sizes; a flipped, dropped or added hash, or another root, fails', () => {
    for (let second = 0; second <= N; second++)
      for (let first = 0; first <= second; first++) {
        const proof = consistencyProof(leaves, first, second);
        expect(
          verifyConsistency(first, second, roots[first]!, roots[second]!, proof),
          `${first}→${second}`,
        ).toBe(true);
        if (proof.length === 0) continue;
        expect(
          verifyConsistency(first, second, roots[first]!, roots[second]!, [
            flip(proof[0]!),
            ...proof.slice(1),
          ]),
        ).toBe(false);
        expect(verifyConsistency(first, second, roots[first]!, roots[second]!, proof.slice(0, -1))).toBe(
          false,
        );
        expect(verifyConsistency(first, second, roots[first]!, roots[second]!, [...proof, roots[1]!])).toBe(
          false,
        );
        expect(verifyConsistency(first, second, flip(roots[first]!), roots[second]!, proof)).toBe(false);
        // A history rewritten: the second tree with one earlier entry changed.
        const rewritten = [...leaves.slice(0, second)];
        rewritten[0] = flip(rewritten[0]!);
        expect(verifyConsistency(first, second, roots[first]!, rootOf(rewritten), proof)).toBe(false);
      }
  });

  test('nonsense is refused: sizes out of order or range, short hashes', () => {
    expect(() => inclusionProof(LEAVES, 8, 8)).toThrow(RangeError);
    expect(() => consistencyProof(LEAVES, 5, 3)).toThrow(RangeError);
    expect(() => rootOf([new Uint8Array(31)])).toThrow(TypeError);
    expect(verifyConsistency(8, 6, fromHex(ROOTS[8]!), fromHex(ROOTS[6]!), [])).toBe(false);
    expect(verifyInclusion(new Uint8Array(31), 0, 1, [], fromHex(ROOTS[1]!))).toBe(false);
    expect(verifyConsistency(0, 8, fromHex(ROOTS[0]!), fromHex(ROOTS[8]!), [])).toBe(true);
    expect(verifyConsistency(0, 8, fromHex(ROOTS[1]!), fromHex(ROOTS[8]!), [])).toBe(false);
  });
});
