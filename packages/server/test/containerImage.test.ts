/**
 * The Dockerfile's runtime image, checked without a container engine: its files laid out in a
 * directory as its COPY instructions lay them out in /app (this repository's build standing in for
 * the build stage's), then its ENTRYPOINT run with its environment: the server starts, serves the
 * web app and /healthz, and the image's HEALTHCHECK script tells a live server from a dead one.
 * Not covered here: the base image, npm ci and prune inside it, the RUN steps, the `node` user.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { announcedUrl, httpsRequest, selfSignedCertificate, startLoopbackServer } from '@parley/testing';
import { afterAll, afterEach, expect, test } from 'vitest';
import { dockerfileStages, REPO_DIR, stageArg, stageEnv } from './deployFiles.js';

const runtime = dockerfileStages().at(-1)!;
const WORKDIR = stageArg(runtime, 'WORKDIR')!;

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The directory standing in for the image, laid out once for this file's tests. */
let image: string | undefined;
function imageRoot(): string {
  if (image === undefined) {
    image = mkdtempSync(join(tmpdir(), 'parley-image-'));
    layOut(image);
  }
  return image;
}
afterAll(() => {
  if (image !== undefined) rmSync(image, { recursive: true, force: true });
});

/** An image path (/app/…) in the directory standing in for the image. */
const inImage = (root: string, path: string) =>
  join(root, path.startsWith('/') ? path.slice(WORKDIR.length) : path);

/** The runtime stage's COPY instructions carried out into `root` (hard links: nothing is written to). */
function layOut(root: string): void {
  for (const { op, args } of runtime) {
    if (op !== 'COPY') continue;
    const words = args.split(' ').filter((w) => !w.startsWith('--'));
    const fromBuild = args.includes('--from=build');
    const dest = inImage(root, words.pop()!);
    mkdirSync(dest, { recursive: true });
    for (const source of words) {
      const path = fromBuild ? join(REPO_DIR, source.slice(WORKDIR.length + 1)) : join(REPO_DIR, source);
      // A directory's contents (source/), or the file itself, into dest.
      const from = source.endsWith('/') ? `${path}/.` : path;
      execFileSync('cp', ['-a', '--link', from, source.endsWith('/') ? dest : `${dest}/`]);
    }
  }
}

/** The image's healthcheck with `env`: its exit code. */
function healthcheck(root: string, env: Record<string, string>): Promise<number | null> {
  const command = JSON.parse(stageArg(runtime, 'HEALTHCHECK')!.replace(/^.*CMD /, '')) as string[];
  expect(command[0]).toBe('node');
  const child = spawn(process.execPath, [inImage(root, command[1]!)], { env, stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test("the image's files run: its entrypoint serves the web app and /healthz, and its healthcheck tells a live server from a dead one", async () => {
  const root = imageRoot();
  const entrypoint = JSON.parse(stageArg(runtime, 'ENTRYPOINT')!) as string[];
  expect(entrypoint[0]).toBe('node');
  // The image's environment, but on loopback and a data directory of the test's own.
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-image-data-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    ...stageEnv(runtime),
    HOST: '127.0.0.1',
    PORT: '0',
    PARLEY_DATA_DIR: dataDir,
    PATH: dirname(process.execPath),
  };
  const child: ChildProcess = spawn(process.execPath, [inImage(root, entrypoint[1]!)], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | string>((r) =>
    child.once('exit', (code, signal) => r(code ?? signal ?? '')),
  );
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const url = await announcedUrl(child, exited);
  expect((await httpsRequest(`${url}/healthz`)).status).toBe(200);
  const page = await httpsRequest(`${url}/`);
  expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);

  const port = new URL(url).port;
  expect(await healthcheck(root, { ...env, PORT: port, HOST: '0.0.0.0' })).toBe(0);
  child.kill('SIGTERM');
  await exited;
  expect(await healthcheck(root, { ...env, PORT: port, HOST: '0.0.0.0' })).toBe(1);
});

test('the healthcheck speaks HTTPS to a server that holds its own certificate', async () => {
  const tls = selfSignedCertificate();
  const server = await startLoopbackServer({ config: { tlsCert: tls.cert, tlsKey: tls.key } });
  cleanups.push(() => server.stop());
  const root = imageRoot();
  const env = { PORT: String(server.port), HOST: '127.0.0.1' };
  expect(await healthcheck(root, { ...env, PARLEY_TLS_CERT: tls.cert })).toBe(0);
  // Plain HTTP to a TLS server is no answer.
  expect(await healthcheck(root, env)).toBe(1);
});
