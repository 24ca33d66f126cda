/**
 * A real server on a loopback port, in this process, with its data in a fresh temporary directory
 * (or a given one, to restart on the same data), logging nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, DEFAULT_CONFIG, type ParleyServer, type ServerConfig } from '@parley/server';

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
