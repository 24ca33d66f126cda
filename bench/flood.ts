/**
 * `npm run bench:flood` — does the server stay responsive to a legitimate device while another
 * client floods it (issue #15 item 3)? On a server with the default limits (as one runs), alice's
 * device sends application messages to her one-to-one conversation with bob at a modest fixed
 * rate and times each round trip (send → `sent`): first alone, then while an attacker, in its own
 * process, floods: one authenticated socket sends valid frames as fast as the socket takes them
 * (reconnecting when the server closes it), and one socket that never authenticates streams
 * garbage (reconnecting too). Prints p50/p99 of both phases and "p99 under flood / p99 alone"
 * against the target of at most 2×. Every phase is bounded in messages and in time.
 *
 * Options: --seconds N (per phase, default 5), --rate N (round trips per second, default 40, under
 * the default 50 frames/s a device may send), --rounds N (alone/flood pairs, default 2: the
 * figures are the pooled samples), --json FILE. `--attack PORT` is the attacker's own process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DeviceIdentity, encodeClientFrame, randomBytes } from '@parley/core';
import WebSocket from 'ws';
import {
  type BenchGroup,
  BenchSocket,
  population,
  setupGroup,
  spawnServer,
  uploadKeyPackages,
} from './harness.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = option('--seconds', 5);
const RATE = option('--rate', 40);
const ROUNDS = option('--rounds', 2);
const PER_PHASE = Math.ceil(SECONDS * RATE);
/** The legitimate device's request ids start here (BenchSocket's own requests use small ones). */
const FIRST_ID = 1_000_000;
/** A socket's send buffer is kept under this, so the flood never grows the attacker's memory. */
const BUFFERED_MAX = 1024 * 1024;
/** The attacker's client address (the legitimate devices connect from 127.0.0.1). */
const ATTACKER = '127.0.0.2';

interface FloodResult {
  alone: { p50: number; p99: number; samples: number; lost: number };
  flood: { p50: number; p99: number; samples: number; lost: number };
  ratio: number;
  attacker: { framesSent: number; garbageBytes: number; closes: Record<string, number> };
  settings: { seconds: number; rate: number; rounds: number };
}

/** `count` round trips (send → `sent`) at `perSecond`, from frame `first` on: each one's milliseconds. */
async function roundTrips(
  alice: BenchSocket,
  frames: Uint8Array[],
  first: number,
  count: number,
  perSecond: number,
): Promise<{ samples: number[]; lost: number }> {
  const sentAt = new Map<number, number>();
  const samples: number[] = [];
  alice.onAck = (data) => {
    const t = sentAt.get(data.readUInt32BE(1));
    if (t !== undefined) samples.push(performance.now() - t);
  };
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    // Bounded: every answer, or the phase's time and 10 s more.
    const limit = setTimeout(resolve, (count / perSecond) * 1000 + 10_000);
    const tick = setInterval(() => {
      const due = Math.min(count, Math.floor(((performance.now() - t0) / 1000) * perSecond) + 1);
      for (; sent < due; sent++) {
        sentAt.set(FIRST_ID + first + sent, performance.now());
        alice.ws.send(frames[first + sent]!);
      }
      if (samples.length >= count) {
        clearInterval(tick);
        clearTimeout(limit);
        resolve();
      }
    }, 1);
    limit.unref();
  });
  alice.onAck = undefined;
  return { samples, lost: count - samples.length };
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
}

/** The attacker's process: floods until SIGTERM (or 120 s), then prints what it did as JSON. */
async function attack(port: number, round: number): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  const [[mallory]] = (await population(base, 1, () => 1, `mallory${round}x`)) as [[DeviceIdentity]];
  const closes: Record<string, number> = {};
  const stats = { framesSent: 0, garbageBytes: 0, closes };
  let stopping = false;
  const counted = (code: number) => {
    closes[code] = (closes[code] ?? 0) + 1;
  };
  // A valid, cheap frame, as fast as the socket takes it; a new connection when the server closes one.
  const frame = encodeClientFrame({ type: 'kp_count', requestId: 7 });
  const flooder = async (): Promise<void> => {
    while (!stopping) {
      const socket = await BenchSocket.parley(port, mallory, ATTACKER).catch(() => undefined);
      if (socket === undefined) continue;
      await new Promise<void>((resolve) => {
        socket.ws.once('close', (code) => {
          counted(code);
          resolve();
        });
        const pump = () => {
          if (stopping || socket.ws.readyState !== socket.ws.OPEN) {
            socket.ws.terminate();
            return;
          }
          while (socket.ws.bufferedAmount < BUFFERED_MAX) {
            socket.ws.send(frame);
            stats.framesSent++;
          }
          setTimeout(pump, 1);
        };
        pump();
      });
    }
  };
  // Garbage from a socket that never authenticates.
  const garbage = async (): Promise<void> => {
    const junk = randomBytes(1024);
    while (!stopping) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, {
        perMessageDeflate: false,
        localAddress: ATTACKER,
      });
      await new Promise<void>((resolve) => {
        ws.once('error', () => {});
        ws.once('close', (code) => {
          counted(code);
          resolve();
        });
        const pump = () => {
          if (stopping || ws.readyState !== ws.OPEN) {
            ws.terminate();
            return;
          }
          while (ws.bufferedAmount < BUFFERED_MAX) {
            ws.send(junk);
            stats.garbageBytes += junk.length;
          }
          setTimeout(pump, 1);
        };
        ws.once('open', pump);
      });
    }
  };
  const stop = () => {
    stopping = true;
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  setTimeout(stop, 120_000).unref();
  process.stdout.write('ready\n');
  await Promise.all([
    process.env.FLOOD_ONLY === 'garbage' ? undefined : flooder(),
    process.env.FLOOD_ONLY === 'flooder' ? undefined : garbage(),
  ]);
}

/** Start the attacker's process; resolves once it floods, with how to stop it and read its figures. */
async function startAttacker(
  port: number,
  round: number,
): Promise<{ stop(): Promise<FloodResult['attacker']> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--attack', String(port), '--round', String(round)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (out.includes('ready\n')) {
        clearInterval(poll);
        resolve();
      }
    }, 10);
    child.once('exit', (code) => reject(new Error(`attacker exited (${code})`)));
  });
  // Let the flood get going before the clock starts.
  await new Promise((r) => setTimeout(r, 500));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}')));
        child.kill('SIGTERM');
      }),
  };
}

/** The scenario on a fresh server with the default limits. */
async function measureFlood(): Promise<FloodResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-flood-'));
  const server = await spawnServer({ mode: 'defaults', dataDir });
  try {
    const [[alice], [bob]] = (await population(`http://127.0.0.1:${server.port}`, 2, () => 1)) as [
      [DeviceIdentity],
      [DeviceIdentity],
    ];
    const sockets = new Map<DeviceIdentity, BenchSocket>();
    for (const id of [alice, bob]) sockets.set(id, await BenchSocket.parley(server.port, id));
    await uploadKeyPackages(sockets);
    const group: BenchGroup = await setupGroup(alice, [bob], sockets, 2 * ROUNDS * PER_PHASE);
    const frames = group.ciphertexts.map((payload, i) =>
      encodeClientFrame({
        type: 'send',
        requestId: FIRST_ID + i,
        groupId: group.groupId,
        messageId: randomBytes(16),
        payload,
        welcome: null,
      }),
    );
    const alone = { samples: [] as number[], lost: 0 };
    const flood = { samples: [] as number[], lost: 0 };
    let attacker: FloodResult['attacker'] = { framesSent: 0, garbageBytes: 0, closes: {} };
    for (let round = 0; round < ROUNDS; round++) {
      const quiet = await roundTrips(group.sender, frames, 2 * round * PER_PHASE, PER_PHASE, RATE);
      alone.samples.push(...quiet.samples);
      alone.lost += quiet.lost;
      const mallory = await startAttacker(server.port, round);
      const loud = await roundTrips(group.sender, frames, (2 * round + 1) * PER_PHASE, PER_PHASE, RATE);
      const did = await mallory.stop();
      flood.samples.push(...loud.samples);
      flood.lost += loud.lost;
      attacker = {
        framesSent: attacker.framesSent + did.framesSent,
        garbageBytes: attacker.garbageBytes + did.garbageBytes,
        closes: Object.fromEntries(
          [...new Set([...Object.keys(attacker.closes), ...Object.keys(did.closes)])].map((k) => [
            k,
            (attacker.closes[k] ?? 0) + (did.closes[k] ?? 0),
          ]),
        ),
      };
    }
    await Promise.all([...sockets.values()].map((s) => s.close()));
    const a = { ...percentiles(alone.samples), lost: alone.lost };
    const f = { ...percentiles(flood.samples), lost: flood.lost };
    return {
      alone: a,
      flood: f,
      ratio: f.p99 / a.p99,
      attacker,
      settings: { seconds: SECONDS, rate: RATE, rounds: ROUNDS },
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The report's lines. */
function floodReport(r: FloodResult): string[] {
  const ms = (p: { p50: number; p99: number }) => `p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms`;
  const closes = Object.entries(r.attacker.closes)
    .map(([code, n]) => `${n}× ${code}`)
    .join(', ');
  return [
    `alone:      ${ms(r.alone)} (${r.alone.samples} round trips, ${r.alone.lost} unanswered)`,
    `under flood: ${ms(r.flood)} (${r.flood.samples} round trips, ${r.flood.lost} unanswered)`,
    `attacker: ${r.attacker.framesSent} frames sent, ${(r.attacker.garbageBytes / 1e6).toFixed(1)} MB of garbage; closed ${closes || 'never'}`,
    `p99 under flood / p99 alone: ${r.ratio.toFixed(2)}x (target <= 2x: ${r.ratio <= 2 ? 'met' : 'missed'})`,
  ];
}

async function main() {
  if (args.includes('--attack')) {
    await attack(option('--attack', 0), option('--round', 0));
    return;
  }
  process.stdout.write(
    `Parley bench:flood — ${RATE} round trips/s for ${SECONDS} s per phase, ${ROUNDS} rounds, node ${process.version}\n\n`,
  );
  const result = await measureFlood();
  for (const line of floodReport(result)) process.stdout.write(`  ${line}\n`);
  const json = args.indexOf('--json');
  if (json >= 0) writeFileSync(args[json + 1]!, `${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

await main();
