/**
 * The key directory: each device uploads one-time key packages and one last-resort package; anyone
 * adding an account to a conversation claims one package per device of that account. A one-time
 * package is deleted in the same transaction that hands it out, so it is never given twice, even
 * to concurrent claimers; the last-resort package is handed out only when a device has no one-time
 * package left, and kept. Owners hear how many remain so they can replenish.
 */
import {
  bytesEqual,
  type ClaimedKeyPackage,
  certificateFromCredential,
  DEFAULT_CIPHERSUITE,
  decodeKeyPackage,
  encodeServerFrame,
  keyPackageSignatureValid,
  makeKeyPackageReference,
  type ServerFrame,
  SUPPORTED_CIPHERSUITES,
} from '@parley/core';
import { suite } from './crypto.js';
import type { Db } from './db.js';
import { type DeviceSession, FrameError, type Hub } from './hub.js';
import type { Metrics } from './metrics.js';
import type { TransparencyLog } from './transparency/service.js';

/** At most this many unclaimed one-time packages per device and suite. */
export const MAX_STORED_KEY_PACKAGES = 500;
/** Owners are told when fewer than this many one-time packages remain. */
export const REPLENISH_THRESHOLD = 10;

interface Checked {
  ref: Uint8Array;
  data: Uint8Array;
  cipherSuite: string;
}

async function checkKeyPackage(db: Db, session: DeviceSession, data: Uint8Array): Promise<Checked> {
  let kp: ReturnType<typeof decodeKeyPackage>;
  try {
    kp = decodeKeyPackage(data);
  } catch (e) {
    throw new FrameError('invalid_key_package', e instanceof Error ? e.message : 'not a key package');
  }
  if (!SUPPORTED_CIPHERSUITES.includes(kp.cipherSuite)) {
    throw new FrameError('invalid_key_package', 'ciphersuite not offered by this server');
  }
  const cs = await suite(kp.cipherSuite);
  let certOk = false;
  try {
    const cert = certificateFromCredential(kp.leafNode.credential);
    certOk = cert.accountId === session.accountId && cert.deviceId === session.deviceId;
  } catch {
    certOk = false;
  }
  const device = await db
    .selectFrom('devices')
    .select(['device_key', 'certificate'])
    .where('username', '=', session.accountId)
    .where('device_id', '=', session.deviceId)
    .executeTakeFirstOrThrow();
  const credential = kp.leafNode.credential;
  if (
    !certOk ||
    credential.credentialType !== 'basic' ||
    !bytesEqual(credential.identity, device.certificate) ||
    !bytesEqual(kp.leafNode.signaturePublicKey, device.device_key)
  ) {
    throw new FrameError(
      'invalid_key_package',
      'key package is not for this device’s registered certificate',
    );
  }
  if (!(await keyPackageSignatureValid(kp, cs)))
    throw new FrameError('invalid_key_package', 'bad key package signature');
  const now = BigInt(Math.floor(Date.now() / 1000));
  if (kp.leafNode.leafNodeSource !== 'key_package' || kp.leafNode.lifetime.notAfter <= now) {
    throw new FrameError('invalid_key_package', 'key package has expired');
  }
  return { ref: await makeKeyPackageReference(kp, cs), data, cipherSuite: kp.cipherSuite };
}

/** A device's unclaimed packages of one suite. */
async function remaining(
  db: Db,
  accountId: string,
  deviceId: string,
  cipherSuite: string,
): Promise<{ oneTime: number; lastResort: boolean }> {
  const rows = await db
    .selectFrom('key_packages')
    .select(['last_resort', (eb) => eb.fn.countAll<number>().as('n')])
    .where('username', '=', accountId)
    .where('device_id', '=', deviceId)
    .where('cipher_suite', '=', cipherSuite)
    .groupBy('last_resort')
    .execute();
  return {
    oneTime: Number(rows.find((r) => r.last_resort === 0)?.n ?? 0),
    lastResort: rows.some((r) => r.last_resort === 1 && Number(r.n) > 0),
  };
}

/** Store a device's checked packages in one transaction: one-time ones up to the cap, and its last-resort one replaced. */
async function storeKeyPackages(
  db: Db,
  session: DeviceSession,
  oneTime: Checked[],
  lastResort: Checked | null,
): Promise<void> {
  const now = Date.now();
  await db.transaction().execute(async (tx) => {
    for (const suite of new Set(oneTime.map((kp) => kp.cipherSuite))) {
      const { oneTime: stored } = await remaining(tx, session.accountId, session.deviceId, suite);
      if (stored + oneTime.filter((kp) => kp.cipherSuite === suite).length > MAX_STORED_KEY_PACKAGES) {
        throw new FrameError(
          'too_many_key_packages',
          `at most ${MAX_STORED_KEY_PACKAGES} unclaimed packages per device and suite`,
        );
      }
    }
    const row = (kp: Checked, last: boolean) => ({
      ref: kp.ref,
      username: session.accountId,
      device_id: session.deviceId,
      cipher_suite: kp.cipherSuite,
      data: kp.data,
      last_resort: last ? 1 : 0,
      created_at: now,
    });
    if (oneTime.length > 0) {
      await tx
        .insertInto('key_packages')
        .values(oneTime.map((kp) => row(kp, false)))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (lastResort !== null) {
      await tx
        .deleteFrom('key_packages')
        .where('username', '=', session.accountId)
        .where('device_id', '=', session.deviceId)
        .where('cipher_suite', '=', lastResort.cipherSuite)
        .where('last_resort', '=', 1)
        .execute();
      await tx
        .insertInto('key_packages')
        .values(row(lastResort, true))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
}

/**
 * One package per unrevoked device of `accountId` for `cipherSuite`: its oldest one-time package
 * (deleted as it is handed out), else its last-resort one, which stays.
 */
async function claimKeyPackages(
  db: Db,
  metrics: Metrics,
  accountId: string,
  cipherSuite: string,
): Promise<ClaimedKeyPackage[]> {
  return db.transaction().execute(async (tx) => {
    const devices = await tx
      .selectFrom('devices')
      .select('device_id')
      .where('username', '=', accountId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    const out: ClaimedKeyPackage[] = [];
    for (const { device_id } of devices) {
      const one = await tx
        .selectFrom('key_packages')
        .select(['ref', 'data'])
        .where('username', '=', accountId)
        .where('device_id', '=', device_id)
        .where('cipher_suite', '=', cipherSuite)
        .where('last_resort', '=', 0)
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (one !== undefined) {
        const deleted = await tx.deleteFrom('key_packages').where('ref', '=', one.ref).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 1) {
          out.push({ deviceId: device_id, keyPackage: one.data, lastResort: false });
          metrics.keyPackagesClaimed.inc({ kind: 'one_time' });
          continue;
        }
      }
      const last = await tx
        .selectFrom('key_packages')
        .select('data')
        .where('username', '=', accountId)
        .where('device_id', '=', device_id)
        .where('cipher_suite', '=', cipherSuite)
        .where('last_resort', '=', 1)
        .executeTakeFirst();
      if (last !== undefined) {
        out.push({ deviceId: device_id, keyPackage: last.data, lastResort: true });
        metrics.keyPackagesClaimed.inc({ kind: 'last_resort' });
      }
    }
    return out;
  });
}

export function keyDirectory(
  hub: Hub,
  { db, metrics, transparency }: { db: Db; metrics: Metrics; transparency: TransparencyLog },
): void {
  hub.on('kp_upload', async (session, f): Promise<ServerFrame> => {
    const oneTime: Checked[] = [];
    for (const data of f.keyPackages) oneTime.push(await checkKeyPackage(db, session, data));
    const lastResort = f.lastResort === null ? null : await checkKeyPackage(db, session, f.lastResort);
    await storeKeyPackages(db, session, oneTime, lastResort);
    // The count of the suite uploaded (of the first package's, if a client mixed suites).
    const suite = (lastResort ?? oneTime[0])?.cipherSuite ?? DEFAULT_CIPHERSUITE;
    return {
      type: 'kp_remaining',
      requestId: f.requestId,
      ...(await remaining(db, session.accountId, session.deviceId, suite)),
      ...(suite === DEFAULT_CIPHERSUITE ? {} : { cipherSuite: suite }),
    };
  });

  // Without a suite named, the default one's (what a client that predates the field publishes).
  hub.on('kp_count', async (session, frame): Promise<ServerFrame> => {
    const suite = frame.cipherSuite ?? DEFAULT_CIPHERSUITE;
    return {
      type: 'kp_remaining',
      requestId: frame.requestId,
      ...(await remaining(db, session.accountId, session.deviceId, suite)),
      ...(frame.cipherSuite == null ? {} : { cipherSuite: suite }),
    };
  });

  hub.on('kp_claim', async (_session, f): Promise<ServerFrame> => {
    const account = await db
      .selectFrom('accounts')
      .select('username')
      .where('username', '=', f.accountId)
      .executeTakeFirst();
    if (account === undefined) throw new FrameError('not_found', 'no such account');
    const claimed = await claimKeyPackages(db, metrics, f.accountId, f.cipherSuite);
    // Tell the owners (when online) how many they have left, so they can upload more.
    for (const { deviceId } of claimed) {
      const left = await remaining(db, f.accountId, deviceId, f.cipherSuite);
      if (left.oneTime < REPLENISH_THRESHOLD) {
        const suite = f.cipherSuite === DEFAULT_CIPHERSUITE ? {} : { cipherSuite: f.cipherSuite };
        hub.pushTo(
          [{ accountId: f.accountId, deviceId }],
          encodeServerFrame({ type: 'kp_remaining', requestId: 0, ...left, ...suite }),
        );
      }
    }
    // Each device's certificate proved in the key transparency log (issue #21).
    const head = await transparency.latest();
    const keys = await transparency.proofsFor(
      f.accountId,
      claimed.map((k) => k.deviceId),
      head,
    );
    return {
      type: 'kp_bundle',
      requestId: f.requestId,
      accountId: f.accountId,
      keyPackages: claimed,
      transparency: { head, keys },
    };
  });
}
