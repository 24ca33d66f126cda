/**
 * The server's transparency key: an Ed25519 key (node:crypto) that signs tree heads. Like the
 * server's OPAQUE key it is made on first start and kept in the database (server_state), so every
 * node of a cluster signs with the same key and clients pin one key per server.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { type TreeHead, treeHeadMessage } from '@parley/core';
import type { Db } from '../db.js';

const STATE_KEY = 'transparency_key';

export interface TransparencyKey {
  /** The raw 32-byte Ed25519 public key clients pin. */
  publicKey: Uint8Array;
  signHead(head: TreeHead): Uint8Array;
}

function fromDer(der: string): TransparencyKey {
  const key = createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'pkcs8' });
  // The raw key is the last 32 bytes of an Ed25519 SubjectPublicKeyInfo.
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    publicKey: new Uint8Array(spki.subarray(spki.length - 32)),
    signHead: (head) => new Uint8Array(sign(null, treeHeadMessage(head), key)),
  };
}

async function stored(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('server_state')
    .select('value')
    .where('key', '=', STATE_KEY)
    .executeTakeFirst();
  return row?.value;
}

/** The transparency key: made and stored on first start, read afterwards (the same on every node). */
export async function transparencyKey(db: Db): Promise<TransparencyKey> {
  const existing = await stored(db);
  if (existing !== undefined) return fromDer(existing);
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  // Two nodes starting together: the first insert wins and both use what is stored.
  await db
    .insertInto('server_state')
    .values({ key: STATE_KEY, value: der })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return fromDer((await stored(db))!);
}
