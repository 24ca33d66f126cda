/**
 * Signed tree heads: the server's transparency key (Ed25519) signs the log's size, root and the
 * time it signed, so a client can prove to anyone what the server showed it.
 *
 *   signed  = "parley/v1/tree-head" 0x00 | size u64 | root 32 | timestamp u64 (ms)
 *   encoded = size u64 | root 32 | timestamp u64 | signature 64
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesEqual, concatBytes, decodeWith, utf8, Writer } from '../encoding.js';
import { HASH_BYTES } from './merkle.js';

export interface TreeHead {
  size: number;
  root: Uint8Array;
  /** When the server signed it (ms since the Unix epoch). */
  timestamp: number;
}
export interface SignedTreeHead extends TreeHead {
  signature: Uint8Array;
}

export const SIGNED_TREE_HEAD_BYTES = 8 + HASH_BYTES + 8 + 64;
const LABEL = utf8('parley/v1/tree-head\0');

/** The bytes the transparency key signs for `head`. */
export function treeHeadMessage(head: TreeHead): Uint8Array {
  return concatBytes(
    LABEL,
    new Writer().u64(head.size).fixed(head.root, HASH_BYTES).u64(head.timestamp).finish(),
  );
}

/** Whether `head` is signed by the transparency key `publicKey` (32 bytes, Ed25519). */
export function verifyTreeHead(head: SignedTreeHead, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32 || head.signature.length !== 64 || head.root.length !== HASH_BYTES)
    return false;
  try {
    return ed25519.verify(head.signature, treeHeadMessage(head), publicKey);
  } catch {
    return false;
  }
}

export function encodeSignedTreeHead(h: SignedTreeHead): Uint8Array {
  return new Writer().u64(h.size).fixed(h.root, HASH_BYTES).u64(h.timestamp).fixed(h.signature, 64).finish();
}

export function decodeSignedTreeHead(bytes: Uint8Array): SignedTreeHead {
  return decodeWith(bytes, SIGNED_TREE_HEAD_BYTES, 'tree head', (r) => ({
    size: r.u64(),
    root: r.fixed(HASH_BYTES),
    timestamp: r.u64(),
    signature: r.fixed(64),
  }));
}

/** Whether two heads are the same tree (size and root; the timestamps may differ). */
export function sameTree(a: TreeHead, b: TreeHead): boolean {
  return a.size === b.size && bytesEqual(a.root, b.root);
}
