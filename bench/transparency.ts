/**
 * `npm run bench:transparency` — key transparency's costs (issue #21):
 *   (1) a log of 1,000,000 entries built in memory (synthetic device certificates of realistic size,
 *       their leaf hashes appended to core's LogTree): build time and memory;
 *   (2) proof sizes at that size: an inclusion proof (hashes, and bytes as the kp_bundle carries it)
 *       and a consistency proof between random sizes;
 *   (3) the client's verification time: inclusion proof, consistency proof, head signature;
 *       and the server's time to make a proof;
 *   (4) the server's cost per registration with the log: the registration's transaction (account
 *       and device rows) with and without its two log entries (claimed index, encoded entry, leaf
 *       hash), on SQLite, and on PostgreSQL when PARLEY_BENCH_POSTGRES (default
 *       postgres://postgres@127.0.0.1:5432/test) is reachable.
 * Options: --entries N (default 1000000), --registrations N (default 500).
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLogEntry, LogTree, logLeaf, merkle, treeHeadMessage, verifyTreeHead } from '@parley/core';
import { appendKeyEvent, type Db, openPostgres, openSqlite } from '@parley/server';
import pg from 'pg';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const ENTRIES = Number(option('--entries') ?? 1_000_000);
const REGISTRATIONS = Number(option('--registrations') ?? 500);

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function buildLog(): LogTree {
  const start = process.hrtime.bigint();
  const tree = new LogTree();
  const certificate = randomBytes(180); // an encoded DeviceCertificate is 170-200 bytes
  for (let i = 0; i < ENTRIES; i++) {
    certificate.writeUInt32BE(i, 0);
    tree.append(
      logLeaf(
        encodeLogEntry({
          kind: 'device_certified',
          accountId: `user${i % 50_000}`,
          certificate,
          loggedAt: i,
        }),
      ),
    );
  }
  const took = ms(start);
  console.log(
    `(1) built a log of ${ENTRIES.toLocaleString('en')} entries in ${(took / 1000).toFixed(1)} s (${((took * 1000) / ENTRIES).toFixed(2)} µs/entry); heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB, external+arrays ${Math.round(process.memoryUsage().arrayBuffers / 2 ** 20)} MiB`,
  );
  return tree;
}

function proofs(tree: LogTree): void {
  const n = tree.size;
  const root = tree.root();
  const rounds = 2000;
  const idx = Array.from({ length: rounds }, () => Math.floor(Math.random() * n));
  const firsts = Array.from({ length: rounds }, () => 1 + Math.floor(Math.random() * (n - 1)));
  let t = process.hrtime.bigint();
  const inclusions = idx.map((i) => tree.inclusionProof(i, n));
  const makeInclusion = ms(t) / rounds;
  t = process.hrtime.bigint();
  const consistencies = firsts.map((f) => tree.consistencyProof(f, n));
  const makeConsistency = ms(t) / rounds;
  const firstRoots = firsts.map((f) => tree.root(f));
  const leaves = idx.map((i) => tree.leaf(i));
  const lengths = inclusions.map((p) => p.length);
  const cLengths = consistencies.map((p) => p.length);
  console.log(
    `(2) inclusion proof: ${Math.min(...lengths)}-${Math.max(...lengths)} hashes (${Math.max(...lengths) * 32} bytes; in kp_bundle with index, loggedAt, device id and count ≈ ${Math.max(...lengths) * 32 + 8 + 8 + 2 + 24} bytes per device, plus a 112-byte signed head)`,
  );
  console.log(
    `    consistency proof: ${Math.min(...cLengths)}-${Math.max(...cLengths)} hashes (≤ ${Math.max(...cLengths) * 32} bytes)`,
  );
  t = process.hrtime.bigint();
  let ok = 0;
  for (let i = 0; i < rounds; i++)
    if (merkle.verifyInclusion(leaves[i]!, idx[i]!, n, inclusions[i]!, root)) ok++;
  const verifyInclusion = ms(t) / rounds;
  t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++)
    if (merkle.verifyConsistency(firsts[i]!, n, firstRoots[i]!, root, consistencies[i]!)) ok++;
  const verifyConsistency = ms(t) / rounds;
  if (ok !== 2 * rounds) throw new Error('a proof did not verify');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const head = { size: n, root, timestamp: Date.now() };
  const signed = { ...head, signature: new Uint8Array(sign(null, treeHeadMessage(head), privateKey)) };
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  verifyTreeHead(signed, raw); // the first call builds noble's precomputed tables
  t = process.hrtime.bigint();
  for (let i = 0; i < 200; i++) if (!verifyTreeHead(signed, raw)) throw new Error('head did not verify');
  const verifyHead = ms(t) / 200;
  console.log(
    `(3) client: verify an inclusion proof ${(verifyInclusion * 1000).toFixed(1)} µs, a consistency proof ${(verifyConsistency * 1000).toFixed(1)} µs, a head signature ${(verifyHead * 1000).toFixed(0)} µs (@noble/curves, as browsers run it)`,
  );
  console.log(
    `    server: make an inclusion proof ${(makeInclusion * 1000).toFixed(1)} µs, a consistency proof ${(makeConsistency * 1000).toFixed(1)} µs`,
  );
}

/** One registration's transaction: the account, its device, and (withLog) their two log entries. */
async function register(db: Db, i: number, withLog: boolean): Promise<void> {
  const name = `${withLog ? 'l' : 'n'}${i}`;
  const key = randomBytes(32);
  const certificate = randomBytes(180);
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('accounts')
      .values({
        username: name,
        display_name: name,
        identity_key: key,
        opaque_record: 'x'.repeat(256),
        created_at: Date.now(),
        last_seen: null,
        skeleton: name,
      } as never)
      .execute();
    await tx
      .insertInto('devices')
      .values({
        username: name,
        device_id: 'd',
        device_key: randomBytes(32),
        certificate,
        created_at: Date.now(),
        revoked_at: null,
        revocation: null,
      })
      .execute();
    if (withLog) {
      await appendKeyEvent(tx, { kind: 'registered', accountId: name, identityKey: key });
      await appendKeyEvent(tx, { kind: 'device_certified', accountId: name, certificate }, 'd');
    }
  });
}

async function registrationCost(label: string, db: Db): Promise<void> {
  const rounds: Record<'without' | 'with', number[]> = { without: [], with: [] };
  for (let r = 0; r < 3; r++)
    for (const mode of ['without', 'with'] as const) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < REGISTRATIONS; i++) await register(db, r * REGISTRATIONS + i, mode === 'with');
      rounds[mode].push(ms(t) / REGISTRATIONS);
    }
  const [without, withLog] = [median(rounds.without), median(rounds.with)];
  console.log(
    `(4) ${label}: a registration's transaction ${without.toFixed(3)} ms without the log, ${withLog.toFixed(3)} ms with it (+${(withLog - without).toFixed(3)} ms, ${REGISTRATIONS} each, median of 3)`,
  );
}

async function main(): Promise<void> {
  proofs(buildLog());
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-kt-'));
  const sqlite = await openSqlite(dir);
  await registrationCost('SQLite', sqlite);
  await sqlite.destroy();
  rmSync(dir, { recursive: true, force: true });
  const adminUrl = process.env.PARLEY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    console.log('(4) PostgreSQL: skipped (not reachable)');
    return;
  }
  const name = `parley_bench_kt_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = await openPostgres(url.toString(), 4);
    await registrationCost('PostgreSQL', db);
    await db.destroy();
  } finally {
    await admin.query(`drop database ${name}`);
    await admin.end();
  }
}

await main();
