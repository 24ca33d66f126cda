/**
 * For tests of Parley and of programs built on it: a real server on a loopback port, with its data
 * in a fresh temporary directory (or a given one, to restart on the same data), logging nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAccount,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  encodeDeviceCertificate,
  generateKeyPackage,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
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
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(DEFAULT_CIPHERSUITE), nativeCryptoProvider);
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
