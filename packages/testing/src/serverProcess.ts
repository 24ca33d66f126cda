/** The real server program (`parley-server`) as a child process, as an operator runs it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerConfig } from '@parley/server';

/** The server's command-line entry, beside its package entry in its build. */
const SERVER_MAIN = join(dirname(createRequire(import.meta.url).resolve('@parley/server')), 'main.js');

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * The real server program (its `dist/main.js`) as a child process, as an operator runs it: for tests
 * that kill it (`child.kill('SIGKILL')`) and restart it on the same data directory and port, or
 * that must see a crash as a crash. `limits` go through a config file like an operator's.
 */
export async function startServerProcess(
  dataDir: string,
  options: { port?: number; limits?: Partial<ServerConfig['limits']>; args?: string[] } = {},
): Promise<ServerProcess> {
  const args = [
    SERVER_MAIN,
    '--port',
    String(options.port ?? 0),
    '--data-dir',
    dataDir,
    '--log-level',
    'warn',
  ];
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
  const url = await announcedUrl(child, exited);
  return { url, port: Number(new URL(url).port), child, exited };
}

/** The URL a starting server program prints on stdout ("running at …"); fails if it exits first. */
export function announcedUrl(child: ChildProcess, exited: Promise<number | string>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (\S+)/.exec(out);
      if (m) resolve(m[1]!.replace('://localhost', '://127.0.0.1'));
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}`)));
  });
}
