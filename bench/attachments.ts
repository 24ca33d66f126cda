/**
 * `npm run bench:attachments` — files through Parley vs a plain HTTP copy on loopback, same run:
 *   (1) one file (default 100 MB) sent by one SDK client and fetched by another: upload and
 *       download MB/s, each beside a plain copy of the same file (copyServer.ts) as a ratio. Parley's
 *       includes all the real work: sealing in 64 KiB chunks, the SHA-256 of the blob, tus upload in
 *       4 MiB PATCHes stored by the server, the MLS message announcing it, and the ranged download
 *       opened and checked chunk by chunk into a file;
 *   (2) the server's memory while 20 clients upload at once (default 10 MB each): its RSS before,
 *       the peak during (sampled every 50 ms), and the growth.
 * Servers run in their own processes (serverProcess.ts); clients in this one; loopback only.
 *
 * Options: --mb N (file size of (1)), --clients N and --client-mb N (of (2)), --quick (20 MB; 5
 * clients of 5 MB), --json FILE.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type ChatMessage, ParleyApi, ParleyClient } from '@parley/client';
import { fileSource, nodeSocketFactory, SqliteRecordStore, saveAttachment } from '@parley/client/node';
import { generateStorageKey } from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider, nodeAttachmentPrimitives } from '@parley/core/node';
import { numberOption, type ServerHandle, spawnServer } from './harness.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const MB = numberOption('--mb', quick ? 20 : 100);
const CLIENTS = numberOption('--clients', quick ? 5 : 20);
const CLIENT_MB = numberOption('--client-mb', quick ? 5 : 10);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const work = mkdtempSync(join(tmpdir(), 'parley-bench-files-'));
const cs = await nativeCiphersuite();

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

async function randomFile(name: string, bytes: number): Promise<string> {
  const path = join(work, name);
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= 1 << 20) out.write(randomBytes(Math.min(left, 1 << 20)));
  await new Promise((r) => out.end(r));
  return path;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A registered person's started client (one device). */
async function client(base: string, name: string): Promise<ParleyClient> {
  const identity = await new ParleyApi(base).register(name, `bench-${name}-password`, cs);
  const c = await ParleyClient.open({
    serverUrl: base,
    identity,
    records: new SqliteRecordStore(join(mkdtempSync(join(work, `${name}-`)), 'client.sqlite3')),
    storageKey: generateStorageKey(),
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
    attachmentPrimitives: nodeAttachmentPrimitives,
  });
  c.start();
  await c.connection.waitOnline();
  return c;
}

function fileMessage(c: ParleyClient): Promise<ChatMessage> {
  return new Promise((resolve) => {
    const off = c.on('message', (m) => {
      if (m.attachment !== undefined) {
        off();
        resolve(m);
      }
    });
  });
}

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/** (1) through Parley: upload and download MB/s, and whether the file came back equal. */
async function throughParley(base: string, path: string, bytes: number) {
  const [alice, bob] = [await client(base, 'alice'), await client(base, 'bob')];
  try {
    await new Promise((r) => setTimeout(r, 300)); // key packages uploaded
    const conversation = await alice.directConversation('bob');
    const arriving = fileMessage(bob);
    let t = performance.now();
    await alice.files.send(conversation, await fileSource(path), {
      name: 'big.bin',
      mimeType: 'application/octet-stream',
    });
    const upload = mbps(bytes, performance.now() - t);
    const message = await arriving;
    const into = mkdtempSync(join(work, 'saved-'));
    t = performance.now();
    const saved = await saveAttachment(bob.files, message.attachment!, into);
    const download = mbps(bytes, performance.now() - t);
    return { upload, download, equal: (await sha256Of(saved)) === (await sha256Of(path)) };
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
}

function http(method: 'PUT' | 'GET', port: number, body?: string, into?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/big', method }, (res) => {
      if (into === undefined) res.resume().on('end', resolve);
      else pipeline(res, createWriteStream(into)).then(resolve, reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else pipeline(createReadStream(body), req).catch(reject);
  });
}

/** (1) as a plain copy. */
async function plainCopy(path: string, bytes: number) {
  const dir = mkdtempSync(join(work, 'copy-'));
  const server = await spawnServer({ mode: 'copy', dataDir: dir });
  try {
    let t = performance.now();
    await http('PUT', server.port, path);
    const upload = mbps(bytes, performance.now() - t);
    t = performance.now();
    await http('GET', server.port, undefined, join(work, 'copied.bin'));
    return { upload, download: mbps(bytes, performance.now() - t) };
  } finally {
    await server.stop();
  }
}

/** (2) the server's RSS while CLIENTS upload CLIENT_MB each at once. */
async function memoryUnderUploads(server: ServerHandle, base: string) {
  const path = await randomFile('each.bin', CLIENT_MB * 1e6);
  const clients: ParleyClient[] = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await client(base, `up${i}`));
  try {
    const groups = await Promise.all(clients.map((c, i) => c.createGroup(`files ${i}`, [])));
    await new Promise((r) => setTimeout(r, 1000));
    const before = server.rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, server.rss());
    }, 50);
    const t = performance.now();
    await Promise.all(
      clients.map(async (c, i) =>
        c.files.send(groups[i]!, await fileSource(path), {
          name: 'each.bin',
          mimeType: 'application/octet-stream',
        }),
      ),
    );
    const seconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    return { clients: CLIENTS, eachMB: CLIENT_MB, seconds, rssBefore: before, rssPeak: peak };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

async function main() {
  log(
    `Parley bench:attachments — ${MB} MB file; ${CLIENTS} clients × ${CLIENT_MB} MB at once; node ${process.version}\n`,
  );
  const bytes = MB * 1e6;
  const path = await randomFile('big.bin', bytes);
  const plain = await plainCopy(path, bytes);
  const dataDir = mkdtempSync(join(work, 'server-'));
  const server = await spawnServer({ mode: 'parley', dataDir });
  const base = `http://127.0.0.1:${server.port}`;
  let parley: Awaited<ReturnType<typeof throughParley>>;
  let memory: Awaited<ReturnType<typeof memoryUnderUploads>>;
  try {
    parley = await throughParley(base, path, bytes);
    memory = await memoryUnderUploads(server, base);
  } finally {
    await server.stop();
  }
  const f = (n: number) => n.toFixed(0).padStart(8);
  log('                 upload MB/s   download MB/s');
  log(`   parley        ${f(parley.upload)}      ${f(parley.download)}`);
  log(`   plain copy    ${f(plain.upload)}      ${f(plain.download)}`);
  log(
    `\n   parley / plain copy: upload ${(parley.upload / plain.upload).toFixed(2)}x, download ${(parley.download / plain.download).toFixed(2)}x; file came back ${parley.equal ? 'equal (SHA-256)' : 'DIFFERENT'}`,
  );
  const mib = (n: number) => (n / 2 ** 20).toFixed(0);
  log(
    `   ${memory.clients} uploads of ${memory.eachMB} MB at once (${memory.seconds.toFixed(1)} s): server RSS ${mib(memory.rssBefore)} MiB before, peak ${mib(memory.rssPeak)} MiB (+${mib(memory.rssPeak - memory.rssBefore)} MiB)`,
  );
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ mb: MB, parley, plain, memory }, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  if (!parley.equal) process.exit(1);
}

await main();
process.exit(0);
