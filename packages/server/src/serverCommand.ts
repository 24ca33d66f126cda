/**
 * The server's command line, shared by `parley-server` and `parley serve`: `[options]` starts the
 * server; the operator's commands (`accounts`, `invites`, `stats`: moderation/command.ts) work on
 * its database; `--version` (`-V`) prints the version.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildServer } from './app.js';
import { loadConfig } from './config.js';
import { applyHeapPolicy } from './heapPolicy.js';
import { SERVER_VERSION } from './http/health.js';
import { startIdleTrim } from './idleTrim.js';
import { runOperatorCommand } from './moderation/command.js';
import { DEFAULT_WEB_ROOT } from './web.js';

export async function runServerCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(`parley-server ${SERVER_VERSION}\n`);
    return;
  }
  if (await runOperatorCommand(argv, env, (line) => process.stdout.write(`${line}\n`))) return;
  const config = loadConfig(argv, env);
  applyHeapPolicy();
  // After a burst, memory goes back to the system once the server is quiet (idleTrim.ts).
  startIdleTrim();
  const server = await buildServer(config);
  const address = await server.app.listen({ host: config.host, port: config.port });
  const scheme = config.tlsCert ? 'https' : 'http';
  const url = address.replace(/^https?/, scheme).replace('://127.0.0.1', '://localhost');
  process.stdout.write(`Parley is running at ${url}\n`);
  if (server.web) process.stdout.write(`  Open ${url} in a browser to chat.\n`);
  else if (config.webRoot === undefined && DEFAULT_WEB_ROOT === undefined)
    process.stdout.write('  (no web app: install @parley/web beside the server to serve it)\n');
  else process.stdout.write('  (the web app is not built: run `npm run build` to serve it)\n');
  process.stdout.write(`  data: ${config.dataDir}   access: ${config.access}\n`);
  // People compare this with what `parley register` shows before trusting a self-signed certificate.
  if (config.tlsCert !== undefined) {
    const fingerprint = new X509Certificate(readFileSync(config.tlsCert)).fingerprint256;
    process.stdout.write(`  TLS certificate SHA-256 fingerprint: ${fingerprint}\n`);
  }
  // The URLs may hold passwords: only their hosts are shown.
  if (config.database !== undefined || config.redis !== undefined) {
    const host = (url: string | undefined) => (url === undefined ? 'none' : new URL(url).host);
    process.stdout.write(`  postgres: ${host(config.database)}   redis: ${host(config.redis)}\n`);
  }
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
