/**
 * `parley audit <server-url>`: check a server's key transparency log from outside (../audit.ts).
 * `--head` (repeatable): a signed head to check as well (base64url, as `parley audit` prints with
 * --print-head or a client gossiped); `--key`: the transparency key expected (base64url), else the
 * one the server shows; `--token`: a session token, for a server whose entries need one; `--watch`:
 * keep checking every `--interval` seconds (default 60) as an independent monitor.
 */
import { decodeSignedTreeHead, encodeSignedTreeHead, fromBase64Url, toBase64Url } from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';
import {
  type AuditState,
  checkHead,
  httpGetter,
  newAudit,
  readEntries,
  serverHead,
  summary,
} from '../audit.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

async function round(a: AuditState, get: ReturnType<typeof httpGetter>, flags: Record<string, unknown>) {
  const sig = (await nativeCiphersuite()).signature;
  const { publicKey, head } = await serverHead(get);
  const pinned = typeof flags.key === 'string' ? fromBase64Url(flags.key) : publicKey;
  if (toBase64Url(pinned) !== toBase64Url(publicKey))
    a.problems.push('the server signs with another transparency key than the one given');
  const given = list(flags.head).map((h, i) => {
    try {
      return decodeSignedTreeHead(fromBase64Url(h));
    } catch {
      throw new CliError(`--head ${i + 1} is not a signed tree head`);
    }
  });
  const size = Math.max(head.size, ...given.map((h) => h.size));
  await readEntries(a, get, Math.min(size, head.size), sig);
  checkHead(a, head, pinned, 'the server’s head');
  for (const [i, h] of given.entries()) checkHead(a, h, pinned, `given head ${i + 1}`);
  process.stdout.write(`${summary(a, head, given.length)}\n`);
  if (flags['print-head'] === true)
    process.stdout.write(`head: ${toBase64Url(encodeSignedTreeHead(head))}\n`);
}

export const auditCommand: Command = {
  args: '<server-url> [--head HEAD]… [--key KEY] [--token TOKEN] [--print-head] [--watch [--interval S]]',
  summary: 'check a server’s key transparency log: rebuild it, check its heads and signatures',
  arity: [1, 1],
  flags: {
    head: { type: 'string', multiple: true },
    key: { type: 'string' },
    token: { type: 'string' },
    'print-head': { type: 'boolean' },
    watch: { type: 'boolean' },
    interval: { type: 'string' },
  },
  server: (args) => args[0],
  async run([server], flags) {
    const get = httpGetter(server!, typeof flags.token === 'string' ? flags.token : undefined);
    const a = newAudit();
    await round(a, get, flags);
    if (flags.watch !== true) {
      if (a.problems.length > 0) process.exitCode = 1;
      return;
    }
    const seconds = Number(flags.interval ?? 60);
    if (!(seconds > 0)) throw new CliError('--interval takes a number of seconds');
    for (;;) {
      await new Promise((r) => setTimeout(r, seconds * 1000));
      // The tree carries over: only new entries are read, and the old ones must still be its prefix.
      // A monitor outlives a server that is down or restarting: the round is tried again.
      await round(a, get, flags).catch((e: unknown) => {
        if (e instanceof CliError) throw e;
        const why = e instanceof Error ? e.message : String(e);
        process.stderr.write(
          `parley: ${new Date().toISOString()} this round failed (${why}); trying again\n`,
        );
      });
    }
  },
};
