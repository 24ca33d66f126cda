/**
 * For tests of Parley and of programs built on it: a real server on a loopback port, with its data
 * in a fresh temporary directory (or a given one, to restart on the same data), logging nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createAccount,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  encodeDeviceCertificate,
  generateKeyPackage,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { buildServer, type ParleyServer } from './app.js';
import { DEFAULT_CONFIG, type ServerConfig } from './config.js';
import type { Db } from './db.js';

export interface LoopbackServer {
  server: ParleyServer;
  url: string;
  port: number;
  dataDir: string;
  /** Stop the server; its data directory is removed unless `keepData`. Safe to call twice. */
  stop(keepData?: boolean): Promise<void>;
}

export async function startLoopbackServer(
  options: {
    config?: Partial<ServerConfig>;
    dataDir?: string;
    port?: number;
    logStream?: { write(line: string): void };
  } = {},
): Promise<LoopbackServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-test-'));
  const config: ServerConfig = { ...DEFAULT_CONFIG, dataDir, logLevel: 'silent', ...options.config };
  const server = await buildServer(config, options.logStream ? { logStream: options.logStream } : {});
  const url = await server.app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  let stopped = false;
  return {
    server,
    url,
    port: Number(new URL(url).port),
    dataDir,
    async stop(keepData = false) {
      if (!stopped) {
        stopped = true;
        await server.close();
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Play a malicious server operator: slip into the directory a device of `username` certified by
 * an identity key the operator made, with a key package, so the next client that claims the
 * account's key packages meets a key that differs from the one it pinned. Returns that key.
 */
export async function slipInImpostorDevice(db: Db, username: string): Promise<Uint8Array> {
  const cs = await nativeCiphersuite();
  const impostor = await createAccount(username, cs);
  const device = await createMlsDevice(impostor, { provider: nativeCryptoProvider });
  const kp = await generateKeyPackage(device);
  const now = Date.now();
  await db
    .insertInto('devices')
    .values({
      username,
      device_id: impostor.deviceId,
      device_key: impostor.deviceKey.publicKey,
      certificate: encodeDeviceCertificate(impostor.certificate),
      created_at: now,
      revoked_at: null,
      revocation: null,
    })
    .execute();
  await db
    .insertInto('key_packages')
    .values({
      ref: kp.ref,
      username,
      device_id: impostor.deviceId,
      cipher_suite: DEFAULT_CIPHERSUITE,
      data: kp.encoded,
      last_resort: 0,
      created_at: now,
    })
    .execute();
  return impostor.identityKey;
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * The real server program (`dist/main.js`) as a child process, as an operator runs it: for tests
 * that kill it (`child.kill('SIGKILL')`) and restart it on the same data directory and port, or
 * that must see a crash as a crash. `limits` go through a config file like an operator's.
 */
export async function startServerProcess(
  dataDir: string,
  options: { port?: number; limits?: Partial<ServerConfig['limits']>; args?: string[] } = {},
): Promise<ServerProcess> {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  const args = [main, '--port', String(options.port ?? 0), '--data-dir', dataDir, '--log-level', 'warn'];
  if (options.limits !== undefined) {
    const file = join(dataDir, 'test-config.json');
    writeFileSync(file, JSON.stringify({ limits: options.limits }));
    args.push('--config', file);
  }
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (\S+)/.exec(out);
      if (m) resolve(m[1]!.replace('://localhost', '://127.0.0.1'));
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, port: Number(new URL(url).port), child, exited };
}

/**
 * A seeded pseudo-random generator (mulberry32) in [0, 1), for tests that draw their steps at
 * random yet must replay exactly from the seed they print. Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
