/**
 * Handing a one-shot command (`parley send`, `read`, `reply`, `react`, `edit`, `delete`, `group`,
 * `verify`) to the `parley chat` that owns the profile, so scripts keep working while the chat is
 * open and there is never a second writer of the profile's group state. The owner listens on a
 * Unix socket in the profile directory (mode 0700, this user's only); a request proves that its
 * sender unlocked the same device identity (the password was typed or given), by an HMAC over the
 * owner's fresh nonce with a key derived from the device's private key, so the socket grants
 * nothing the password would not.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { ParleyClient } from '@parley/client';
import type { DeviceIdentity } from '@parley/core';
import type { Flags } from './command.js';
import { CliError } from './errors.js';
import type { Output } from './output.js';

/** What a handed-off command runs with: the owner's client, connected. */
export type ClientWork = (client: ParleyClient, args: string[], flags: Flags, out: Output) => Promise<void>;

export interface HandOffRequest {
  command: string;
  args: string[];
  flags: Flags;
}

export interface HandOffAnswer {
  code: number;
  stdout: string;
  stderr: string;
}

const MAX_LINE_BYTES = 1024 * 1024;
/** Unix socket paths are limited (108 bytes with the terminator on Linux). */
const MAX_SOCKET_PATH = 100;

export function handOffSocketPath(dir: string): string | undefined {
  const path = join(dir, 'parley.sock');
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : undefined;
}

function proofKey(identity: DeviceIdentity): Buffer {
  return createHash('sha256').update('parley/v1/hand-off').update(identity.deviceKey.signKey).digest();
}

function proofOf(identity: DeviceIdentity, nonce: Buffer): Buffer {
  return createHmac('sha256', proofKey(identity)).update(nonce).digest();
}

/** Newline-delimited JSON lines from a socket, each at most MAX_LINE_BYTES. */
function lines(socket: Socket, onLine: (value: unknown) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (Buffer.byteLength(buffered) > MAX_LINE_BYTES) {
      socket.destroy();
      return;
    }
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      try {
        onLine(JSON.parse(line));
      } catch {
        socket.destroy();
        return;
      }
    }
  });
}

function validRequest(value: unknown): (HandOffRequest & { proof: string }) | undefined {
  const r = value as Partial<HandOffRequest & { proof: unknown }>;
  if (typeof r !== 'object' || r === null || typeof r.proof !== 'string' || typeof r.command !== 'string')
    return undefined;
  if (!Array.isArray(r.args) || r.args.length > 1000 || !r.args.every((a) => typeof a === 'string'))
    return undefined;
  if (typeof r.flags !== 'object' || r.flags === null || Array.isArray(r.flags)) return undefined;
  const flags = r.flags as Record<string, unknown>;
  if (!Object.values(flags).every((v) => typeof v === 'string' || typeof v === 'boolean')) return undefined;
  return { proof: r.proof, command: r.command, args: r.args, flags: flags as Flags };
}

/**
 * Take handed-off commands on the profile's socket until the returned close is called; `run`
 * performs one (in the owner's own order with its other work) and answers its output.
 */
export async function serveHandOff(
  dir: string,
  identity: DeviceIdentity,
  run: (request: HandOffRequest) => Promise<HandOffAnswer>,
): Promise<(() => Promise<void>) | undefined> {
  const path = handOffSocketPath(dir);
  if (path === undefined) return undefined;
  rmSync(path, { force: true }); // left by an owner that died; we own the profile now
  const server = createServer((socket) => {
    const nonce = randomBytes(32);
    socket.write(`${JSON.stringify({ nonce: nonce.toString('base64') })}\n`);
    let answered = false;
    lines(socket, (value) => {
      if (answered) return socket.destroy();
      answered = true;
      const request = validRequest(value);
      const proof = request === undefined ? Buffer.alloc(0) : Buffer.from(request.proof, 'base64');
      const expected = proofOf(identity, nonce);
      if (request === undefined || proof.length !== expected.length || !timingSafeEqual(proof, expected)) {
        socket.end(
          `${JSON.stringify({ code: 1, stdout: '', stderr: 'parley: the hand-off was refused\n' })}\n`,
        );
        return;
      }
      void run(request).then((answer) => socket.end(`${JSON.stringify(answer)}\n`));
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      rmSync(path, { force: true });
    });
}

/** Hand a command to the profile's owner and wait for its answer. */
export function handOff(
  dir: string,
  identity: DeviceIdentity,
  request: HandOffRequest,
): Promise<HandOffAnswer> {
  const path = handOffSocketPath(dir);
  if (path === undefined) return Promise.reject(new CliError('the running parley cannot take commands'));
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let done = false;
    socket.on('error', (e) => {
      if (!done) reject(new CliError(`cannot reach the running parley: ${e.message}`));
    });
    socket.on('close', () => {
      if (!done) reject(new CliError('the running parley ended before answering'));
    });
    lines(socket, (value) => {
      const v = value as { nonce?: unknown } & Partial<HandOffAnswer>;
      if (typeof v.nonce === 'string') {
        const proof = proofOf(identity, Buffer.from(v.nonce, 'base64')).toString('base64');
        socket.write(`${JSON.stringify({ ...request, proof })}\n`);
        return;
      }
      done = true;
      socket.end();
      if (typeof v.code !== 'number' || typeof v.stdout !== 'string' || typeof v.stderr !== 'string')
        reject(new CliError('the running parley gave an answer that could not be understood'));
      else resolve({ code: v.code, stdout: v.stdout, stderr: v.stderr });
    });
  });
}
