/**
 * A socket fuzzer against the real server program (a child process, so a crash is an exit, not a
 * caught exception): a handful of connections send well over 100,000 random and mutated frames —
 * random bytes, valid frames truncated, extended or with bytes overwritten, text frames, frames
 * over the size limit, and well-formed frames the sender is not allowed to send (to a group it is
 * not in, before authenticating, with a wrong signature). Meanwhile two real devices keep chatting
 * over MLS in a group of their own.
 *
 * It proves: the process never exits; every frame gets either one answer that decodes as a server
 * frame, with a typed error code that is never `internal`, or the connection is closed with one of
 * the server's documented close codes; the legitimate devices receive every message once, in
 * order, decrypted; the server's memory stays bounded and no connection outlives its socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientFrame,
  createGroup,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  decodeAppMessage,
  decodeServerFrame,
  encodeAppMessage,
  encodeClientFrame,
  encryptApplication,
  exportGroupInfo,
  processIncoming,
  randomBytes,
  textMessage,
  wsAuthMessage,
} from '@parley/core';
import { type ServerProcess, seededRandom, startServerProcess, until } from '@parley/testing';
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import { cs } from './helpers.js';
import { chattingPair, device } from './pair.js';

/** Frames the server must have read and answered (frames sent after a close do not count). */
const ANSWERED_FRAMES = 100_000;
/** A bound on the loop whatever happens: frames sent in all. */
const MAX_FRAMES = 400_000;
const CONNECTIONS = 4;
const BATCH = 50;
const FRAME_LIMIT = 1024 * 1024;
/** Connections each unauthenticated fuzzer opens (each is closed at its first frame other than `auth`). */
const STRANGER_CONNECTIONS = 300;
/**
 * Close codes the server uses on purpose: too many bad frames, failed auth, a frame before
 * authenticating, too big, auth timeout, flooding over the rate limit.
 */
const CLOSE_CODES = new Set([4400, 4401, 4402, 1009, 4408, 4429]);

interface Stats {
  frames: number;
  answers: number;
  closes: Map<number, number>;
  codes: Map<string, number>;
  undecodable: number;
  oversized: number;
}

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** One fuzzing connection: sends frames in batches and counts the answers (or the close). */
class FuzzSocket {
  answers = 0;
  closed: number | undefined;
  challenge: Uint8Array | undefined;

  private constructor(
    readonly ws: WebSocket,
    stats: Stats,
  ) {
    ws.on('message', (data: Buffer) => {
      let frame: ReturnType<typeof decodeServerFrame>;
      try {
        frame = decodeServerFrame(new Uint8Array(data));
      } catch {
        stats.undecodable++;
        this.answers++;
        return;
      }
      if (frame.type === 'challenge') {
        this.challenge = frame.challenge;
      } else {
        this.answers++;
        stats.answers++;
        if (frame.type === 'error') bump(stats.codes, frame.code);
        else bump(stats.codes, `(${frame.type})`);
      }
    });
    ws.on('close', (code) => {
      this.closed = code;
      bump(stats.closes, code);
    });
    ws.on('error', () => {});
  }

  static async open(url: string, stats: Stats, identity?: DeviceIdentity): Promise<FuzzSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { maxPayload: 2 * FRAME_LIMIT });
    const s = new FuzzSocket(ws, stats);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await s.until(() => s.challenge !== undefined, 'the challenge');
    if (identity !== undefined) {
      const signature = await cs.signature.sign(identity.deviceKey.signKey, wsAuthMessage(s.challenge!));
      ws.send(
        encodeClientFrame({
          type: 'auth',
          requestId: 1,
          accountId: identity.accountId,
          deviceId: identity.deviceId,
          signature,
        }),
      );
      await s.until(() => s.answers >= 1, 'the answer to auth');
      s.answers = 0;
    }
    return s;
  }

  /** Waits until `done` or the server closes the socket (the caller looks at `closed`). */
  until(done: () => boolean, what: string): Promise<void> {
    return until(() => done() || this.closed !== undefined, what, 60_000, 5);
  }
}

/** Frames of every kind a hostile or broken client might send, from a seeded generator. */
function frameMaker(rand: () => number, victimGroup: Uint8Array, ownGroup: Uint8Array | undefined) {
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const requestId = () => 2 + int(0xfffffff0);
  const group = () =>
    ownGroup !== undefined && rand() < 0.3 ? ownGroup : rand() < 0.7 ? victimGroup : bytes(1 + int(32));
  const wellFormed = (): ClientFrame => {
    const id = requestId();
    switch (int(12)) {
      case 0:
        return {
          type: 'send',
          requestId: id,
          groupId: group(),
          messageId: bytes(16),
          payload: bytes(int(300)),
          welcome: rand() < 0.2 ? bytes(int(200)) : null,
        };
      case 1:
        return { type: 'fetch', requestId: id, groupId: group(), afterSeq: int(1000), limit: 1 + int(500) };
      case 2:
        return { type: 'ack', requestId: id, groupId: group(), seq: int(1_000_000) };
      case 3:
        return { type: 'welcome_ack', requestId: id, groupId: group(), accepted: true };
      case 4:
        return { type: 'group_info_get', requestId: id, groupId: group() };
      case 5:
        return {
          type: 'group_info_put',
          requestId: id,
          groupId: group(),
          epoch: int(10),
          groupInfo: bytes(int(300)),
        };
      case 6:
        return {
          type: 'kp_upload',
          requestId: id,
          keyPackages: [bytes(int(200))],
          lastResort: rand() < 0.5 ? bytes(int(200)) : null,
        };
      case 7:
        return {
          type: 'kp_claim',
          requestId: id,
          accountId: `nobody${int(1000)}`,
          cipherSuite: rand() < 0.5 ? DEFAULT_CIPHERSUITE : 'MLS_bogus',
        };
      case 8:
        return {
          type: 'group_create',
          requestId: id,
          groupId: rand() < 0.5 ? victimGroup : bytes(1 + int(32)),
          cipherSuite: rand() < 0.5 ? DEFAULT_CIPHERSUITE : 'MLS_bogus',
        };
      case 9:
        return { type: 'kp_count', requestId: id };
      case 10:
        return { type: 'presence_query', requestId: id };
      default: {
        const after = rand() < 0.5 ? new Uint8Array() : bytes(int(33));
        return rand() < 0.5
          ? { type: 'sync', requestId: id, after }
          : { type: 'welcome_fetch', requestId: id, after };
      }
    }
  };
  return (): { bytes: Uint8Array | string; kind: string } => {
    const r = rand();
    if (r < 0.45) return { bytes: encodeClientFrame(wellFormed()), kind: 'unauthorised' };
    if (r < 0.62) return { bytes: bytes(int(r < 0.52 ? 8 : 400)), kind: 'random' };
    if (r < 0.72) {
      const f = encodeClientFrame(wellFormed());
      return { bytes: f.slice(0, int(f.length)), kind: 'truncated' };
    }
    if (r < 0.84) {
      const f = encodeClientFrame(wellFormed());
      for (let i = 0, n = 1 + int(4); i < n; i++) f[int(f.length)] = int(256);
      return { bytes: f, kind: 'mutated' };
    }
    if (r < 0.93) {
      const f = encodeClientFrame(wellFormed());
      const out = new Uint8Array(f.length + 1 + int(64));
      out.set(f);
      out.set(bytes(out.length - f.length), f.length);
      return { bytes: out, kind: 'extended' };
    }
    if (r < 0.97) {
      // A valid header of one type with the body of another.
      const f = encodeClientFrame(wellFormed());
      f[0] = 1 + int(14);
      return { bytes: f, kind: 'wrong type' };
    }
    return { bytes: 'not a binary frame', kind: 'text' };
  };
}

test('socket fuzzer: 100,000 hostile frames answered, no crash, typed errors, bounded memory, legitimate chat unaffected', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-fuzz-'));
  let proc: ServerProcess | undefined;
  try {
    proc = await startServerProcess(dataDir, {
      // The fuzzers' hundreds of sockets that never authenticate are the point, not a failing address.
      limits: { messagesPerSecond: 100_000, failedConnectionsPerAddressPerMinute: 1_000_000 },
    });
    const url = proc.url;
    let crashed: number | string | undefined;
    void proc.exited.then((code) => {
      crashed = code;
    });

    // Two legitimate devices in a group; a third account, mallory, is in a group of her own.
    const { alice, bob, groupId } = await chattingPair(url);
    const mallory = await device(url, 'mallory');
    mallory.state = await createGroup(mallory.mls);
    const malloryGroup = mallory.state.groupContext.groupId;
    await mallory.ws.request({
      type: 'group_create',
      groupId: malloryGroup,
      cipherSuite: DEFAULT_CIPHERSUITE,
      groupInfo: await exportGroupInfo(mallory.mls, mallory.state),
    });

    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      if (m === null) throw new Error(`no metric ${name}`);
      return Number(m[1]);
    };
    const rssBefore = await metric('parley_process_process_resident_memory_bytes');

    // The legitimate conversation runs for as long as the fuzzers do.
    let fuzzing = true;
    const sent: string[] = [];
    const received: string[] = [];
    let lastSeq = 0;
    const chat = (async () => {
      for (let i = 0; fuzzing || i < 20; i++) {
        const text = `legit ${i}`;
        const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage(text)));
        alice.state = e.newState;
        const r = await alice.ws.request({
          type: 'send',
          groupId,
          messageId: randomBytes(16),
          payload: e.message,
          welcome: null,
        });
        expect(r.type, `legitimate send ${i}: ${JSON.stringify(r)}`).toBe('sent');
        sent.push(text);
        for (;;) {
          const f = await bob.ws.nextPush(30_000);
          if (f.type !== 'deliver') continue;
          expect(f.seq).toBeGreaterThan(lastSeq);
          lastSeq = f.seq;
          const p = await processIncoming(bob.mls, bob.state!, f.payload);
          bob.state = p.newState;
          if (p.kind === 'application') {
            const body = decodeAppMessage(p.plaintext).body;
            if (body.type === 'text') received.push(body.text);
          }
          await bob.ws.request({ type: 'ack', groupId, seq: f.seq });
          break;
        }
      }
    })();

    const stats: Stats = {
      frames: 0,
      answers: 0,
      closes: new Map(),
      codes: new Map(),
      undecodable: 0,
      oversized: 0,
    };
    const kinds = new Map<string, number>();
    // The authenticated fuzzers share the frames to have answered; the others open connections.
    const perConnection = ANSWERED_FRAMES / (CONNECTIONS / 2);
    const worker = async (w: number) => {
      // Half the connections authenticate as mallory (a real device, member of her own group only).
      const identity = w % 2 === 0 ? mallory.identity : undefined;
      const rand = seededRandom(0x5eed + w);
      const next = frameMaker(rand, groupId, identity ? malloryGroup : undefined);
      let socket = await FuzzSocket.open(url, stats, identity);
      let sentOnSocket = 0;
      let sentOversized = false;
      // Each connection goes on until the server answered its share (bounded by MAX_FRAMES in all).
      let answeredBefore = 0;
      let connections = 1;
      const going = () =>
        identity !== undefined
          ? answeredBefore + socket.answers < perConnection
          : connections <= STRANGER_CONNECTIONS;
      while (going() && stats.frames < MAX_FRAMES) {
        for (let i = 0; i < BATCH; i++) {
          if (rand() < 0.0005) {
            // Over the frame limit: the server closes the connection (1009) without buffering it all.
            const huge = new Uint8Array(FRAME_LIMIT + 1 + Math.floor(rand() * 1000));
            huge[0] = 6;
            socket.ws.send(huge);
            stats.oversized++;
            sentOversized = true;
            bump(kinds, 'oversized');
          } else {
            const { bytes, kind } = next();
            socket.ws.send(bytes);
            bump(kinds, kind);
          }
          sentOnSocket++;
          stats.frames++;
          if (socket.closed !== undefined) break;
        }
        await socket.until(() => socket.answers >= sentOnSocket, 'answers to the batch');
        if (socket.closed !== undefined) {
          // 1006: the server drops a connection whose frame is over the limit at once (ws reports
          // the limit as a socket error; the hub terminates the socket without a closing handshake).
          const expected = CLOSE_CODES.has(socket.closed) || (socket.closed === 1006 && sentOversized);
          expect(expected, `close code ${socket.closed}`).toBe(true);
          // Before authenticating, the first frame other than `auth` ends the connection: no stream of answers.
          if (identity === undefined) expect(socket.answers).toBeLessThanOrEqual(1);
          sentOversized = false;
          answeredBefore += socket.answers;
          socket = await FuzzSocket.open(url, stats, identity);
          connections++;
          sentOnSocket = 0;
        }
      }
      socket.ws.close();
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));
    fuzzing = false;
    await chat;

    const rssAfter = await metric('parley_process_process_resident_memory_bytes');

    console.log(
      `socket fuzzer: ${stats.frames} frames sent (${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
        `${stats.answers} answers, closes ${JSON.stringify(Object.fromEntries(stats.closes))}, ` +
        `codes ${JSON.stringify(Object.fromEntries(stats.codes))}, ` +
        `legit messages ${received.length}, rss ${Math.round(rssBefore / 2 ** 20)} → ${Math.round(rssAfter / 2 ** 20)} MiB, ` +
        `crashes ${crashed === undefined ? 0 : 1}`,
    );
    expect(crashed, 'the server process is still running').toBeUndefined();
    expect(proc.child.exitCode).toBeNull();
    expect(stats.answers).toBeGreaterThanOrEqual(ANSWERED_FRAMES);
    expect(stats.undecodable, 'every answer is a well-formed server frame').toBe(0);
    expect(stats.codes.get('internal') ?? 0, 'no frame reached an unexpected exception').toBe(0);
    expect(received).toEqual(sent);
    expect(sent.length).toBeGreaterThanOrEqual(20);
    // Only the three legitimate connections remain once the fuzzers' sockets are closed.
    await expect
      .poll(() => metric('parley_ws_connections'), {
        message: 'open WebSocket connections once the fuzzers closed theirs',
        timeout: 10_000,
        interval: 50,
      })
      .toBe(3);
    expect(rssAfter, 'server memory stays bounded').toBeLessThan(
      Math.max(2 * rssBefore, rssBefore + 256 * 2 ** 20),
    );
    for (const d of [alice, bob, mallory]) d.ws.close();
  } finally {
    proc?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 240_000);
