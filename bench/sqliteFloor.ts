/**
 * `npm run bench:sqlite` — what SQLite alone costs per one-to-one message on Parley's real schema
 * (migrated by the server's own `openSqlite`), the floor under bench:direct's CPU per message
 * (issue #19's target: ≤ 35 µs for everything). `--groups` two-member groups, each with a
 * GroupInfo of `--group-info` bytes kept (a two-member group's is about 1.5 KB); messages spread over
 * the groups in batches of `--batch` (a group commit), each message run through the three
 * statements the server's SQLite append runs (delivery/sqliteAppend.ts: the check, the sequence
 * claim, the insert), then the batch's COMMIT. The WAL is not flushed to disk (the server does
 * that on libuv's thread pool, off its CPU): this is CPU in SQLite only, no JavaScript of
 * Parley's around it. Prints µs per message for each statement and the commit, and their sum.
 * Options: --groups 250 --messages 60000 --batch 50 --group-info 1500 --rounds 3.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@parley/server';
import SQLite from 'better-sqlite3';

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const GROUPS = option('--groups', 250);
const MESSAGES = option('--messages', 60_000);
const BATCH = option('--batch', 50);
const GROUP_INFO = option('--group-info', 1500);
const ROUNDS = option('--rounds', 3);
/** An application message's `kind` (delivery/policy.ts KIND.application). */
const APPLICATION = 3;

interface Figures {
  check: number;
  claim: number;
  insert: number;
  commit: number;
}

async function round(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-floor-'));
  try {
    await (await openSqlite(dir)).destroy(); // the schema, migrated as a server does
    const db = new SQLite(join(dir, 'parley.sqlite3'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF'); // the server flushes off its thread (sqliteDriver.ts)
    db.pragma('foreign_keys = ON');
    const now = Date.now();
    const groups = Array.from({ length: GROUPS }, () => randomBytes(32));
    const member = db.prepare(
      `insert into group_members (group_id, username, device_id, leaf_index, joined_seq, acked_seq)
       values (?, ?, 'd', ?, 0, 0)`,
    );
    const group = db.prepare(
      `insert into groups (group_id, cipher_suite, epoch, next_seq, created_by, created_at)
       values (?, 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519', 1, 1, ?, ?)`,
    );
    const groupInfo = db.prepare('insert into group_infos (group_id, epoch, data) values (?, 1, ?)');
    db.transaction(() => {
      for (const [i, g] of groups.entries()) {
        group.run(g, `a${i}`, now);
        groupInfo.run(g, randomBytes(GROUP_INFO));
        member.run(g, `a${i}`, 0);
        member.run(g, `b${i}`, 1);
      }
    })();
    const check = db.prepare(
      `select groups.epoch, me.leaf_index, me.removed_seq, stored.seq from groups
       left join group_members as me on me.group_id = groups.group_id and me.username = ? and me.device_id = ?
       left join messages as stored on stored.group_id = groups.group_id and stored.message_id = ?
       where groups.group_id = ?`,
    );
    const claim = db.prepare(
      'update groups set next_seq = next_seq + 1 where group_id = ? returning next_seq, epoch',
    );
    const insert = db.prepare(
      `insert into messages (group_id, seq, message_id, sender_username, sender_device, epoch, kind, data,
         created_at, expires_at) values (?, ?, ?, ?, 'd', 1, ${APPLICATION}, ?, ?, null)`,
    );
    const begin = db.prepare('begin');
    const commit = db.prepare('commit');
    const payload = randomBytes(250); // a 100-byte text's MLS ciphertext, about
    const ns = { check: 0n, claim: 0n, insert: 0n, commit: 0n };
    for (let sent = 0; sent < MESSAGES; sent += BATCH) {
      begin.run();
      for (let j = 0; j < BATCH; j++) {
        const k = Math.floor(Math.random() * GROUPS);
        const g = groups[k]!;
        const id = randomBytes(16);
        const t0 = process.hrtime.bigint();
        check.get(`a${k}`, 'd', id, g);
        const t1 = process.hrtime.bigint();
        const claimed = claim.get(g) as { next_seq: number };
        const t2 = process.hrtime.bigint();
        insert.run(g, claimed.next_seq - 1, id, `a${k}`, payload, now);
        const t3 = process.hrtime.bigint();
        ns.check += t1 - t0;
        ns.claim += t2 - t1;
        ns.insert += t3 - t2;
      }
      const t = process.hrtime.bigint();
      commit.run();
      ns.commit += process.hrtime.bigint() - t;
    }
    db.close();
    const per = (v: bigint) => Number(v) / 1000 / MESSAGES;
    return { check: per(ns.check), claim: per(ns.claim), insert: per(ns.insert), commit: per(ns.commit) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  process.stdout.write(
    `Parley bench:sqlite — ${MESSAGES} messages over ${GROUPS} groups (GroupInfo ${GROUP_INFO} B), batches of ${BATCH}, ${ROUNDS} rounds, node ${process.version}\n`,
  );
  const rounds: Figures[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round());
  const keys = ['check', 'claim', 'insert', 'commit'] as const;
  const medians = Object.fromEntries(
    keys.map((k) => [k, median(rounds.map((f) => f[k]))]),
  ) as unknown as Figures;
  for (const k of keys)
    process.stdout.write(
      `  ${k.padEnd(7)} ${medians[k].toFixed(1).padStart(6)} µs/message (rounds: ${rounds.map((f) => f[k].toFixed(1)).join(', ')})\n`,
    );
  const sum = keys.reduce((s, k) => s + medians[k], 0);
  process.stdout.write(
    `  SQLite per message: ${sum.toFixed(1)} µs (issue #19's target for the whole server: ≤ 35 µs)\n`,
  );
}

await main();
