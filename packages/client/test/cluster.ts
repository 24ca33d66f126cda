/**
 * Test helpers for several server nodes: a fresh PostgreSQL database and Redis key prefix per test
 * run (so concurrent runs never meet), and the real server program (`main.js`) started as child
 * processes sharing them, as an operator would run them.
 *
 * PostgreSQL and Redis are the machine's own (127.0.0.1:5432, user postgres, database `test`, and
 * 127.0.0.1:6379; PARLEY_TEST_POSTGRES and PARLEY_TEST_REDIS override them). In CI they must be
 * there: the tests fail without them. Elsewhere the tests are skipped with a message.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '@parley/testing';
import { Redis } from 'ioredis';
import pg from 'pg';

const ADMIN_URL = process.env.PARLEY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.PARLEY_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export interface Services {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Drop the database and delete every Redis key under the prefix. */
  drop(): Promise<void>;
}

/** A new, empty database and Redis prefix; undefined (outside CI) when either service is unreachable. */
export async function createServices(): Promise<Services | undefined> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await admin.connect();
    await redis.connect();
    await redis.ping();
  } catch (e) {
    await admin.end().catch(() => {});
    redis.disconnect();
    const why = `PostgreSQL (${new URL(ADMIN_URL).host}) and Redis (${new URL(REDIS_URL).host}) are needed: ${(e as Error).message}`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`skipping the multi-node tests: ${why}`);
    return undefined;
  }
  await admin.query(`create database ${name}`);
  const databaseUrl = new URL(ADMIN_URL);
  databaseUrl.pathname = `/${name}`;
  const redisPrefix = `${name}:`;
  return {
    databaseUrl: databaseUrl.toString(),
    redisUrl: REDIS_URL,
    redisPrefix,
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

export interface Node {
  url: string;
  child: ChildProcess;
  /** SIGKILL: no shutdown, no flush, as a crash. */
  kill(): Promise<void>;
}

/** Start the server program on a free loopback port, on the shared PostgreSQL and Redis. */
export async function startNode(services: Services, extraArgs: string[] = []): Promise<Node> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-node-'));
  const { url, child } = await startServerProcess(dataDir, {
    args: [
      '--database',
      services.databaseUrl,
      '--redis',
      services.redisUrl,
      '--redis-prefix',
      services.redisPrefix,
      ...extraArgs,
    ],
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  return {
    url,
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
