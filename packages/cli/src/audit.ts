/**
 * Auditing a server's key transparency log from outside (issue #21): download every entry in
 * pages, rebuild the Merkle tree, and check that the server's signed head (and any head given, for
 * instance one a client gossiped) is a head of this one log; check every entry's signatures:
 * device certificates and revocations signed by the identity key the account registered (or reset
 * to). Anything else is a problem, listed by entry index. Needs only HTTP: the head and proofs are
 * public, the entries too on a server open to registration (otherwise a session token).
 */
import {
  bytesEqual,
  decodeDeviceCertificate,
  decodeDeviceRevocation,
  decodeLogEntry,
  fromBase64Url,
  LogTree,
  logLeaf,
  MAX_LOG_PAGE,
  type Signature,
  type SignedTreeHead,
  toHex,
  verifyDeviceCertificate,
  verifyDeviceRevocation,
  verifyTreeHead,
} from '@parley/core';

export interface AuditState {
  tree: LogTree;
  /** Each account's identity key as the log says it (registration, then resets). */
  identities: Map<string, Uint8Array>;
  counts: { accounts: number; certificates: number; revocations: number; resets: number; deletions: number };
  problems: string[];
}

export function newAudit(): AuditState {
  return {
    tree: new LogTree(),
    identities: new Map(),
    counts: { accounts: 0, certificates: 0, revocations: 0, resets: 0, deletions: 0 },
    problems: [],
  };
}

type Get = (path: string) => Promise<unknown>;

/** A fetcher of the server's JSON answers (with a session token when one is given). */
export function httpGetter(server: string, token?: string): Get {
  return async (path) => {
    const res = await fetch(
      new URL(path, server),
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    if (!res.ok) throw new Error(`${path.split('?')[0]}: HTTP ${res.status}`);
    return res.json();
  };
}

export async function serverHead(get: Get): Promise<{ publicKey: Uint8Array; head: SignedTreeHead }> {
  const h = (await get('/v1/transparency/head')) as Record<string, string | number>;
  return {
    publicKey: fromBase64Url(String(h.publicKey)),
    head: {
      size: Number(h.size),
      root: fromBase64Url(String(h.root)),
      timestamp: Number(h.timestamp),
      signature: fromBase64Url(String(h.signature)),
    },
  };
}

/** Check one entry's signatures against the account's identity key as logged so far. */
async function checkEntry(a: AuditState, index: number, bytes: Uint8Array, sig: Signature): Promise<void> {
  const e = decodeLogEntry(bytes);
  const identity = a.identities.get(e.accountId);
  const problem = (what: string) => a.problems.push(`entry ${index} (${e.accountId}): ${what}`);
  if (e.kind === 'registered' || e.kind === 'identity_reset') {
    if (e.kind === 'registered' && identity !== undefined)
      problem('registered again without an identity reset');
    if (e.kind === 'identity_reset' && identity === undefined)
      problem('identity reset of an account never registered');
    a.identities.set(e.accountId, e.identityKey);
    a.counts[e.kind === 'registered' ? 'accounts' : 'resets']++;
    return;
  }
  if (e.kind === 'account_deleted') {
    if (identity === undefined) problem('deletion of an account not registered');
    // Its name may be registered again once its quarantine is over.
    a.identities.delete(e.accountId);
    a.counts.deletions++;
    return;
  }
  try {
    if (e.kind === 'device_certified') {
      a.counts.certificates++;
      const cert = decodeDeviceCertificate(e.certificate);
      await verifyDeviceCertificate(cert, sig);
      if (cert.accountId !== e.accountId) problem('a certificate for another account');
      if (identity === undefined || !bytesEqual(cert.identityKey, identity))
        problem(`device ${cert.deviceId} is not certified by the account's identity key`);
    } else {
      a.counts.revocations++;
      const r = decodeDeviceRevocation(e.revocation);
      await verifyDeviceRevocation(r, sig);
      if (identity === undefined || !bytesEqual(r.identityKey, identity) || r.accountId !== e.accountId)
        problem(`revocation of ${r.deviceId} is not by the account's identity key`);
    }
  } catch {
    problem(`a ${e.kind.replace('_', ' ')} entry whose signature does not verify`);
  }
}

/** Read the entries from the audit's tree size up to `size`, in pages, checking each. */
export async function readEntries(a: AuditState, get: Get, size: number, sig: Signature): Promise<void> {
  while (a.tree.size < size) {
    const limit = Math.min(MAX_LOG_PAGE, size - a.tree.size);
    const page = (await get(`/v1/transparency/entries?start=${a.tree.size}&limit=${limit}`)) as {
      entries: string[];
    };
    if (page.entries.length === 0)
      throw new Error(`the server has no entry ${a.tree.size} below its head's size`);
    for (const text of page.entries.slice(0, limit)) {
      const bytes = fromBase64Url(text);
      const index = a.tree.size;
      a.tree.append(logLeaf(bytes));
      try {
        await checkEntry(a, index, bytes, sig);
      } catch {
        a.problems.push(`entry ${index}: does not decode`);
      }
    }
  }
}

/** Check `head` (signed by `publicKey`) against the rebuilt tree, which must be at least its size. */
export function checkHead(a: AuditState, head: SignedTreeHead, publicKey: Uint8Array, what: string): void {
  if (!verifyTreeHead(head, publicKey))
    a.problems.push(`${what}: not signed by the server's transparency key`);
  else if (head.size > a.tree.size) a.problems.push(`${what}: size ${head.size} is beyond the log`);
  else if (!bytesEqual(a.tree.root(head.size), head.root))
    a.problems.push(
      `${what}: root ${toHex(head.root).slice(0, 16)}… is not this log's at size ${head.size} (split view)`,
    );
}

export function summary(a: AuditState, head: SignedTreeHead, given: number): string {
  const c = a.counts;
  return [
    `log of ${a.tree.size} entries: ${c.accounts} accounts, ${c.certificates} device certificates, ${c.revocations} revocations, ${c.resets} identity resets, ${c.deletions} deletions`,
    `head: size ${head.size}, root ${toHex(head.root)}, signed ${new Date(head.timestamp).toISOString()}`,
    ...(given > 0 ? [`heads given: ${given}`] : []),
    a.problems.length === 0 ? 'OK: every head and entry checks out' : `${a.problems.length} problem(s):`,
    ...a.problems.map((p) => `  ${p}`),
  ].join('\n');
}
