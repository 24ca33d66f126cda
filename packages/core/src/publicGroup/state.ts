/**
 * A group's public state, as a Delivery Service that holds no secret can track it (RFC 9420
 * §12.4.3, the "public view" of a group): the ratchet tree's public keys, the GroupContext and the
 * interim transcript hash (§8.2). Each accepted commit advances it (advance.ts), so the server
 * knows the next epoch's GroupContext itself. An immutable value, with its storage encoding.
 */
import type { Credential, GroupContext } from 'ts-mls';
import { decodeGroupContext, encodeGroupContext } from 'ts-mls/groupContext.js';
import type { LeafNode } from 'ts-mls/leafNode.js';
import { decodeRatchetTree, encodeRatchetTree, type RatchetTree } from 'ts-mls/ratchetTree.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { decodeWith, Writer } from '../encoding.js';
import { DecodeError } from '../errors.js';
import { MAX_MLS_MESSAGE_BYTES } from '../group/wire.js';

export interface PublicGroupState {
  readonly groupContext: GroupContext;
  readonly tree: RatchetTree;
  /** interim_transcript_hash of the current epoch: Hash(confirmed hash || confirmation_tag), §8.2. */
  readonly interimTranscriptHash: Uint8Array;
}

/** Answers whether a credential is valid for a signature key (the server: its device directory). */
export type CredentialCheck = (credential: Credential, signatureKey: Uint8Array) => Promise<boolean>;

export function publicEpoch(state: PublicGroupState): number {
  return Number(state.groupContext.epoch);
}

/** The leaf at `leafIndex`, or undefined when it is blank or outside the tree. */
export function publicLeaf(tree: RatchetTree, leafIndex: number): LeafNode | undefined {
  const node = tree[leafToNodeIndex(toLeafIndex(leafIndex))];
  return node?.nodeType === 'leaf' ? node.leaf : undefined;
}

/** Every occupied leaf, with its index. */
export function publicLeaves(state: PublicGroupState): { leafIndex: number; leaf: LeafNode }[] {
  const out: { leafIndex: number; leaf: LeafNode }[] = [];
  for (let i = 0; i < state.tree.length; i += 2) {
    const node = state.tree[i];
    if (node?.nodeType === 'leaf') out.push({ leafIndex: i / 2, leaf: node.leaf });
  }
  return out;
}

const FORMAT = 1;

/** Trees are immutable values: each is encoded once (a GroupInfo check and storage both need it). */
const encodings = new WeakMap<RatchetTree, Uint8Array>();
export function encodedTree(tree: RatchetTree): Uint8Array {
  let bytes = encodings.get(tree);
  if (bytes === undefined) {
    bytes = encodeRatchetTree(tree);
    encodings.set(tree, bytes);
  }
  return bytes;
}

/** version u8 | GroupContext (u32 length) | ratchet tree (u32 length) | interim hash (u8 length). */
export function encodePublicGroupState(state: PublicGroupState): Uint8Array {
  return new Writer()
    .u8(FORMAT)
    .bytes(encodeGroupContext(state.groupContext), MAX_MLS_MESSAGE_BYTES)
    .bytes(encodedTree(state.tree), MAX_MLS_MESSAGE_BYTES)
    .bytes(state.interimTranscriptHash, 64)
    .finish();
}

export function decodePublicGroupState(bytes: Uint8Array): PublicGroupState {
  return decodeWith(bytes, 3 * MAX_MLS_MESSAGE_BYTES, 'public group state', (r) => {
    if (r.u8() !== FORMAT) throw new DecodeError('unknown format');
    const gc = whole(r.bytes(MAX_MLS_MESSAGE_BYTES), decodeGroupContext);
    const tree = whole(r.bytes(MAX_MLS_MESSAGE_BYTES), decodeRatchetTree);
    return { groupContext: gc, tree, interimTranscriptHash: r.bytes(64) };
  });
}

/** A ts-mls decoder run over all of `bytes`. */
function whole<T>(bytes: Uint8Array, decode: (b: Uint8Array, offset: number) => [T, number] | undefined): T {
  const decoded = decode(bytes, 0);
  if (decoded === undefined || decoded[1] !== bytes.length) throw new DecodeError('malformed');
  return decoded[0];
}
