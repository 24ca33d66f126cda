// `npm run openapi`: writes docs/openapi.json, the HTTP API's OpenAPI document generated from the
// route schemas (the same one a server serves at /v1/openapi.json). Needs `npm run build` first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, DEFAULT_CONFIG } from '@parley/server';

const dataDir = mkdtempSync(join(tmpdir(), 'parley-openapi-'));
const server = await buildServer({ ...DEFAULT_CONFIG, dataDir, logLevel: 'silent' });
await server.app.ready();
const out = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(server.app.swagger(), null, 2)}\n`);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(`wrote ${out.pathname}`);
