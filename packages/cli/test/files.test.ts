/**
 * Files through the `parley` command: `send --file`, `read --json --save`, `/file` and `/save` in
 * the terminal chat, names a hostile sender chose, and the server's limits, against a real server
 * on loopback (its attachment routes) with separate processes per person.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AttachmentSource, ParleyApi, ParleyClient } from '@parley/client';
import { nodeSocketFactory, SqliteRecordStore } from '@parley/client/node';
import { generateStorageKey } from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { selfSignedCertificate, startServerProcess } from '@parley/testing';
import { expect, test } from 'vitest';
import { mimeTypeOf, progressText, sizeText } from '../src/files.js';
import { type Env, parley, registered, someone, startServer, Terminal, tempDir } from './harness.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fileHash = (path: string) => sha256(readFileSync(path));

/** A file of `size` random bytes in a fresh folder. */
function randomFile(name: string, size: number): { path: string; bytes: Buffer } {
  const bytes = randomBytes(size);
  const path = join(tempDir('parley-files-'), name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** A line of `parley read --json` about a file. */
interface FileLine {
  from: string;
  text: string;
  attachment: { name: string } & Record<string, unknown>;
  savedAs: string;
}

/** `parley read … --json`'s lines, parsed. */
function jsonLines(stdout: string): FileLine[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as FileLine);
}

function memorySource(bytes: Uint8Array): AttachmentSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Someone who uses the SDK directly (and so names files as they like), online. */
async function sdkPerson(url: string, name: string): Promise<ParleyClient> {
  // It never logs in with the password: the tests' cheap OPAQUE stretching is enough.
  const identity = await new ParleyApi(url, { unsafeTestingCheapKsf: true }).register(
    name,
    `pw-${name}-1234`,
    await nativeCiphersuite(),
  );
  const client = await ParleyClient.open({
    serverUrl: url,
    identity,
    records: new SqliteRecordStore(join(tempDir(`parley-sdk-${name}-`), 'client.sqlite3')),
    storageKey: generateStorageKey(),
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
  });
  client.start();
  await client.connection.waitOnline();
  return client;
}

test('a file sent with `parley send --file` is saved by `parley read --json --save` with the same SHA-256 (3 MB, and 0 bytes)', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  const big = randomFile('report.pdf', 3_000_000);
  const empty = randomFile('empty.txt', 0);

  const sent = await parley(['send', 'bob', '--file', big.path], alice);
  expect(sent).toEqual({ code: 0, stdout: 'sent to bob\n', stderr: '' });
  expect(await parley(['send', 'bob', `--file=${empty.path}`], alice)).toMatchObject({
    code: 0,
    stdout: 'sent to bob\n',
  });

  const dir = join(tempDir('parley-inbox-'), 'not', 'there', 'yet');
  const read = await parley(['read', '--json', '--save', dir], bob);
  expect(read.stderr).toBe('');
  const [first, second] = jsonLines(read.stdout);
  expect(first).toMatchObject({ from: 'alice', text: '' });
  // What the sender said of the file; never its key, digest or blob id.
  expect(first!.attachment).toEqual({ name: 'report.pdf', mimeType: 'application/pdf', size: 3_000_000 });
  expect(second!.attachment).toEqual({ name: 'empty.txt', mimeType: 'text/plain', size: 0 });
  expect(first!.savedAs).toBe(join(dir, 'report.pdf'));
  expect(second!.savedAs).toBe(join(dir, 'empty.txt'));
  expect(fileHash(first!.savedAs)).toBe(sha256(big.bytes));
  expect(readFileSync(second!.savedAs).length).toBe(0);
  expect(readdirSync(dir).sort()).toEqual(['empty.txt', 'report.pdf']); // no part file left

  // The conversation read as text shows the files; alice sees her own the same way.
  const plain = await parley(['read', 'alice'], bob);
  expect(plain.stdout).toMatch(/alice: 📎 report\.pdf \(3\.0 MB\)\n.*alice: 📎 empty\.txt \(0 B\)\n$/s);
  expect((await parley(['read', 'bob'], alice)).stdout).toContain('alice: 📎 report.pdf (3.0 MB)');
});

test('`parley send --file` names a missing file or a folder in one line and exits 1, sending nothing', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  const folder = tempDir('parley-folder-');
  const missing = join(folder, 'nope.bin');
  expect(await parley(['send', 'bob', '--file', missing], alice)).toEqual({
    code: 1,
    stdout: '',
    stderr: `parley: there is no file ${missing}\n`,
  });
  expect(await parley(['send', 'bob', '--file', folder], alice)).toEqual({
    code: 1,
    stdout: '',
    stderr: `parley: ${folder} is a folder; send a file\n`,
  });
  expect((await parley(['send', 'bob', '--file'], alice)).stderr).toMatch(/^parley: usage: parley send /);
  expect((await parley(['read', '--json'], bob)).stdout).toBe('');
});

test('names a hostile sender chose (`../../x`, `/etc/passwd`, control characters) are saved inside DIR under safe names', async () => {
  const { url } = await startServer();
  const [bob] = (await registered(url, 'bob')) as [Env];
  const mallory = await sdkPerson(url, 'mallory');
  try {
    const group = await mallory.createConversation(['bob']);
    const files: Array<[string, Buffer]> = [
      ['../../x', randomBytes(1000)],
      ['/etc/passwd', randomBytes(2000)],
      ['evil\x1b[2J\x07name\r.txt', randomBytes(3000)],
      ['..', randomBytes(10)],
      ['x', randomBytes(20)],
    ];
    for (const [name, bytes] of files)
      await mallory.files.send(group, memorySource(bytes), { name, mimeType: 'text/plain' });
    const thumbnail = randomBytes(100);
    const photo = randomBytes(5000);
    await mallory.files.send(group, memorySource(photo), {
      name: 'photo.png',
      mimeType: 'image/png',
      image: { width: 640, height: 480, thumbnail },
    });

    const base = tempDir('parley-hostile-');
    const dir = join(base, 'inbox');
    const read = await parley(['read', '--json', '--save', dir], bob);
    expect(read.stderr).toBe('');
    const lines = jsonLines(read.stdout);
    expect(lines.map((l) => l.attachment.name)).toEqual([...files.map(([n]) => n), 'photo.png']);
    expect(lines.map((l) => l.savedAs)).toEqual(
      ['x', 'passwd', 'evil_[2J_name_.txt', 'file', 'x (1)', 'photo.png'].map((n) => join(dir, n)),
    );
    for (const [i, [, bytes]] of files.entries()) {
      expect(dirname(lines[i]!.savedAs)).toBe(dir);
      expect(fileHash(lines[i]!.savedAs)).toBe(sha256(bytes));
    }
    expect(lines[5]!.attachment).toEqual({
      name: 'photo.png',
      mimeType: 'image/png',
      size: 5000,
      width: 640,
      height: 480,
    });
    // Nothing was written beside DIR.
    expect(readdirSync(base)).toEqual(['inbox']);
    expect(readdirSync(dir).sort()).toEqual([
      'evil_[2J_name_.txt',
      'file',
      'passwd',
      'photo.png',
      'x',
      'x (1)',
    ]);

    // Shown as text, the names carry no control characters to the terminal; an image its pixels.
    const plain = (await parley(['read', 'mallory'], bob)).stdout;
    expect(plain.replace(/\n/g, '')).not.toMatch(/\p{Cc}/u);
    expect(plain).toContain('mallory: 📎 evil_[2J_name_.txt (3.0 KB)');
    expect(plain).toContain('mallory: 📎 photo.png (5.0 KB, 640×480)');
  } finally {
    await mallory.close();
  }
});

test('in the terminal chat: /file sends a file, /save n saves it where asked and says where; /help lists both', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  const notes = randomFile('notes from the meeting.txt', 1_500_000);
  const a = await Terminal.chat('alice', alice);
  await a.waitFor('Secure session started', 'the chat screen');
  a.type('/help');
  await a.waitFor('/save <n> [folder]', 'the help lists /save');
  expect(a.screen()).toContain('/file <path>');
  a.key('Escape');
  a.type('/dm bob');
  await a.waitFor(/bob · end-to-end encrypted/, 'the direct chat');
  a.type(`/file "${notes.path}"`);
  await a.waitFor('sent notes from the meeting.txt', 'the file is sent');
  await a.waitFor(/1 \[\d\d:\d\d\] you: 📎 notes from the meeting\.txt \(1\.5 MB\)/, 'the file message');

  // A script's file goes through the open chat (which owns alice's profile).
  const small = randomFile('small.bin', 70_000);
  expect(await parley(['send', 'bob', '--file', small.path], alice)).toMatchObject({
    code: 0,
    stdout: 'sent to bob\n',
  });
  await a.waitFor('you: 📎 small.bin (70.0 KB)', 'the handed-off file');

  const b = await Terminal.chat('bob', bob);
  await b.waitFor('alice: 📎 notes from the meeting.txt (1.5 MB)', "the file on bob's screen");
  const dir = join(tempDir('parley-chat-save-'), 'saved here');
  b.type(`/save 1 "${dir}"`);
  const target = join(dir, 'notes from the meeting.txt');
  await b.waitFor((s) => s.replace(/\n/g, '').includes(`saved message 1's file as ${target}`), 'saved');
  expect(fileHash(target)).toBe(sha256(notes.bytes));
  b.type('hello');
  await b.waitFor(/3 \[\d\d:\d\d\] you: hello/, 'the text is message 3');
  b.type('/save 3');
  await b.waitFor('message 3 has no file', 'a text has no file');
  b.type(`/save 9 "${dir}"`);
  await b.waitFor('there is no message 9 here', 'an unknown message is named');
  await a.quit();
  await b.quit();
});

test('a file over the server’s limit, or over the account’s quota, is refused in one line before any byte is uploaded', async () => {
  const running = await startServer({
    config: { maxAttachmentBytes: 200_000, attachmentQuotaBytes: 300_000 },
  });
  const [alice, bob] = (await registered(running.url, 'alice', 'bob')) as [Env, Env];
  const blobs = join(running.dataDir, 'blobs');
  const stored = () => (existsSync(blobs) ? readdirSync(blobs) : []);

  const huge = randomFile('huge.bin', 300_000);
  expect(await parley(['send', 'bob', '--file', huge.path], alice)).toEqual({
    code: 1,
    stdout: '',
    stderr: 'parley: the file is 0.3 MB; this server takes files up to 0.2 MB\n',
  });
  expect(stored()).toEqual([]);

  const fits = randomFile('fits.bin', 160_000);
  expect((await parley(['send', 'bob', '--file', fits.path], alice)).code).toBe(0);
  const count = stored().length;
  const again = await parley(['send', 'bob', '--file', fits.path], alice);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(
    /^parley: the file is 0\.2 MB, and your files on this server already take 0\.2 MB of 0\.3 MB\n$/,
  );
  expect(stored().length).toBe(count);
  expect(jsonLines((await parley(['read', '--json'], bob)).stdout).map((m) => m.attachment.name)).toEqual([
    'fits.bin',
  ]);
});

test('files travel over https to a server with its own certificate, which the profiles trust (and only it)', async () => {
  const tls = selfSignedCertificate();
  const server = await startServerProcess(tempDir('parley-files-tls-'), {
    args: ['--tls-cert', tls.cert, '--tls-key', tls.key],
  });
  try {
    const [tina, uma] = [someone('tina'), someone('uma')];
    for (const [name, env] of [
      ['tina', tina],
      ['uma', uma],
    ] as const)
      expect((await parley(['register', server.url, name, '--ca-file', tls.cert], env)).code).toBe(0);
    const file = randomFile('over-tls.bin', 600_000);
    expect(await parley(['send', 'uma', '--file', file.path], tina)).toEqual({
      code: 0,
      stdout: 'sent to uma\n',
      stderr: '',
    });
    const read = await parley(['read', '--json', '--save', tempDir('parley-tls-inbox-')], uma);
    expect(read.stderr).toBe('');
    expect(fileHash(jsonLines(read.stdout)[0]!.savedAs)).toBe(sha256(file.bytes));
  } finally {
    server.child.kill();
  }
});

test('sizes and progress as the terminal shows them', () => {
  expect([0, 999, 1000, 1_500_000, 20_000_000, 3_200_000_000].map(sizeText)).toEqual([
    '0 B',
    '999 B',
    '1.0 KB',
    '1.5 MB',
    '20.0 MB',
    '3.2 GB',
  ]);
  expect(progressText('sending', '../a\x1bb.pdf', 8_400_000, 20_000_000)).toBe(
    'sending a_b.pdf: 42% (8.4 MB of 20.0 MB)',
  );
  expect(progressText('receiving', 'e', 0, 0)).toBe('receiving e: 100% (0 B of 0 B)');
  expect(['a.PDF', 'b.jpeg', 'c', 'd.tar.gz', '.png'].map(mimeTypeOf)).toEqual([
    'application/pdf',
    'image/jpeg',
    'application/octet-stream',
    'application/gzip',
    'application/octet-stream',
  ]);
});
