/**
 * The log's Merkle tree kept efficiently (RFC 9162 §2.1 hashing, as merkle.ts, which is the
 * reference these are tested against):
 *
 * - `LogTree` holds every complete subtree hash, level by level, in flat buffers (2n hashes for n
 *   leaves, appended in O(1) amortised). The root, inclusion and consistency proofs of any earlier
 *   size come from O(log n) subtree hashes, with no copying of the leaves. The server and the
 *   auditor rebuild the whole log in one.
 * - `Frontier` holds only the right edge of a tree (one hash per set bit of its size): enough to
 *   append leaves and compute the root, which is how a monitor checks that the entries it was
 *   given are exactly those a signed head commits to, keeping O(log n) state between checks.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Reader, Writer } from '../encoding.js';
import { DecodeError } from '../errors.js';
import { HASH_BYTES, nodeHash } from './merkle.js';

const EMPTY_ROOT = sha256(new Uint8Array(0));

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkHash(h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_BYTES) throw new TypeError('a leaf hash is 32 bytes');
}

export class LogTree {
  /** levels[k]: the hashes of complete subtrees of 2^k leaves, left to right, 32 bytes each. */
  private levels: Uint8Array[] = [];
  private counts: number[] = [];
  private leaves = 0;

  get size(): number {
    return this.leaves;
  }

  private push(level: number, hash: Uint8Array): void {
    if (this.levels.length <= level) {
      this.levels.push(new Uint8Array(HASH_BYTES * 64));
      this.counts.push(0);
    }
    let buf = this.levels[level]!;
    const n = this.counts[level]!;
    if ((n + 1) * HASH_BYTES > buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      this.levels[level] = buf = bigger;
    }
    buf.set(hash, n * HASH_BYTES);
    this.counts[level] = n + 1;
  }

  private at(level: number, index: number): Uint8Array {
    return this.levels[level]!.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  /** Append one leaf hash (merkle.leafHash of the entry). */
  append(leaf: Uint8Array): void {
    checkHash(leaf);
    this.push(0, leaf);
    this.leaves++;
    // Each completed pair makes a complete subtree one level up.
    let level = 0;
    while (this.counts[level]! % 2 === 0) {
      const n = this.counts[level]!;
      this.push(level + 1, nodeHash(this.at(level, n - 2), this.at(level, n - 1)));
      level++;
    }
  }

  /** The leaf hash at `index`. */
  leaf(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.leaves) throw new RangeError('no such leaf');
    return this.at(0, index).slice();
  }

  /** MTH of the leaves [start, start + n); start is always a multiple of n's largest power of two. */
  private hash(start: number, n: number): Uint8Array {
    if (n === 0) return EMPTY_ROOT;
    if ((n & (n - 1)) === 0) return this.at(Math.log2(n), start / n);
    const k = split(n);
    return nodeHash(this.hash(start, k), this.hash(start + k, n - k));
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.leaves)
      throw new RangeError('no tree of that size');
  }

  /** The root of the first `size` leaves. */
  root(size = this.leaves): Uint8Array {
    this.checkSize(size);
    return this.hash(0, size).slice();
  }

  /** The inclusion proof of leaf `index` in the first `size` leaves (§2.1.3.1 PATH). */
  inclusionProof(index: number, size = this.leaves): Uint8Array[] {
    this.checkSize(size);
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError('no such leaf');
    const out: Uint8Array[] = [];
    let start = 0;
    let n = size;
    let m = index;
    while (n > 1) {
      const k = split(n);
      if (m < k) {
        out.push(this.hash(start + k, n - k));
        n = k;
      } else {
        out.push(this.hash(start, k));
        start += k;
        n -= k;
        m -= k;
      }
    }
    return out.reverse().map((h) => h.slice());
  }

  /** The consistency proof from the first `first` leaves to the first `second` (§2.1.4.1 PROOF). */
  consistencyProof(first: number, second = this.leaves): Uint8Array[] {
    this.checkSize(second);
    if (!Number.isInteger(first) || first < 0 || first > second)
      throw new RangeError('the first size must not exceed the second');
    if (first === 0 || first === second) return [];
    const out: Uint8Array[] = [];
    let start = 0;
    let n = second;
    let m = first;
    let complete = true;
    while (m !== n) {
      const k = split(n);
      if (m <= k) {
        out.push(this.hash(start + k, n - k));
        n = k;
      } else {
        out.push(this.hash(start, k));
        start += k;
        n -= k;
        m -= k;
        complete = false;
      }
    }
    if (!complete) out.push(this.hash(start, n));
    return out.reverse().map((h) => h.slice());
  }
}

/** The right edge of a tree: enough to append leaves and compute the root (see the module comment). */
export class Frontier {
  private constructor(
    private leaves: number,
    /** Complete subtree hashes, largest (leftmost) first: one per set bit of `leaves`. */
    private readonly edge: Uint8Array[],
  ) {}

  static empty(): Frontier {
    return new Frontier(0, []);
  }

  get size(): number {
    return this.leaves;
  }

  append(leaf: Uint8Array): void {
    checkHash(leaf);
    let h = leaf;
    // The low set bits of the size are the subtrees the new leaf completes, smallest first.
    for (let n = this.leaves; n % 2 === 1; n = Math.floor(n / 2)) h = nodeHash(this.edge.pop()!, h);
    this.edge.push(h.slice());
    this.leaves++;
  }

  root(): Uint8Array {
    if (this.edge.length === 0) return EMPTY_ROOT.slice();
    let r = this.edge[this.edge.length - 1]!;
    for (let i = this.edge.length - 2; i >= 0; i--) r = nodeHash(this.edge[i]!, r);
    return r;
  }

  encode(): Uint8Array {
    const w = new Writer().u64(this.leaves);
    for (const h of this.edge) w.fixed(h, HASH_BYTES);
    return w.finish();
  }

  static decode(bytes: Uint8Array): Frontier {
    const r = new Reader(bytes);
    const leaves = r.u64();
    const edge: Uint8Array[] = [];
    for (let n = leaves; n > 0; n = Math.floor(n / 2)) if (n % 2 === 1) edge.push(r.fixed(HASH_BYTES));
    r.end();
    if (edge.length > 64) throw new DecodeError('frontier too large');
    return new Frontier(leaves, edge);
  }
}
