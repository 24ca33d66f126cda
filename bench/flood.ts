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
 * figures are the pooled samples), --attacker-nice N (the attacker's process priority, default
 * 19, the lowest: see `attack`), --json FILE. `--attack PORT` is the attacker's own process;
 * FLOOD_ONLY=flooder or FLOOD_ONLY=garbage runs one half of the attack alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DeviceIdentity, encodeClientFrame, randomBytes } from '@parley/core';
import WebSocket from 'ws';
import {
  type BenchGroup,
  BenchSocket,
  numberOption,
  population,
  setupGroup,
  spawnServer,
  uploadKeyPackages,
} from './harness.js';

const args = process.argv.slice(2);
const option = numberOption;
const SECONDS = option('--seconds', 5);
const RATE = option('--rate', 40);
const ROUNDS = option('--rounds', 2);
const PER_PHASE = Math.ceil(SECONDS * RATE);
/** A socket's send buffer is kept under this, so the flood never grows the attacker's memory. */
const BUFFERED_MAX = 1024 * 1024;
/** The attacker's client address (the legitimate devices connect from 127.0.0.1). */
const ATTACKER = '127.0.0.2';

interface Percentiles {
  p50: number;
  p99: number;
  samples: number;
}

interface FloodResult {
  alone: { send: Percentiles; kpCount: Percentiles; lost: number };
  flood: { send: Percentiles; kpCount: Percentiles; lost: number };
  /** p99 under flood / p99 alone, per probe. */
  ratio: { send: number; kpCount: number };
  attacker: { framesSent: number; garbageBytes: number; connections: number; closes: Record<string, number> };
  settings: { seconds: number; rate: number; rounds: number };
}

/** Round trips of one phase, by probe: each one's milliseconds, and those never answered. */
interface Phase {
  send: number[];
  kpCount: number[];
  lost: number;
}

/**
 * `count` round trips at `perSecond`, alternating two probes: an application message to the
 * one-to-one group (`send` → `sent`: validated, stored with a flush, pushed to bob) and a cheap
 * read (`kp_count` → `kp_remaining`). Bounded: every answer, or the phase's time and 10 s more.
 */
async function roundTrips(
  alice: BenchSocket,
  sendFrame: (i: number) => Parameters<BenchSocket['request']>[0],
  first: number,
  count: number,
  perSecond: number,
): Promise<Phase> {
  const phase: Phase = { send: [], kpCount: [], lost: 0 };
  let answered = 0;
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(tick);
      clearTimeout(limit);
      resolve();
    };
    const limit = setTimeout(done, (count / perSecond) * 1000 + 10_000);
    const tick = setInterval(() => {
      const due = Math.min(count, Math.floor(((performance.now() - t0) / 1000) * perSecond) + 1);
      for (; sent < due; sent++) {
        const isSend = sent % 2 === 0;
        const t = performance.now();
        const frame = isSend ? sendFrame(first + sent / 2) : { type: 'kp_count' as const, requestId: 0 };
        void alice.request(frame).then((answer) => {
          answered++;
          const ok = answer.type === (isSend ? 'sent' : 'kp_remaining');
          if (ok) (isSend ? phase.send : phase.kpCount).push(performance.now() - t);
        });
      }
      if (answered >= count) done();
    }, 1);
  });
  phase.lost = count - phase.send.length - phase.kpCount.length;
  return phase;
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
}

/** The attacker's process: floods until SIGTERM (or 120 s), then prints what it did as JSON. */
async function attack(port: number, round: number): Promise<void> {
  // A real attacker's CPU is elsewhere. On this machine its process shares the server's cores:
  // at the lowest priority it takes what the server and alice leave, so the figures measure how
  // the server copes with the attack, not how the scheduler splits two cores (--attacker-nice).
  setPriority(option('--attacker-nice', 19));
  // A connection the server resets mid-upgrade is part of the attack going on, not a failure of it.
  process.on('uncaughtException', (e) => {
    if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    }
  });
  const base = `http://127.0.0.1:${port}`;
  const [[mallory]] = (await population(base, 1, () => 1, `mallory${round}x`)) as [[DeviceIdentity]];
  const closes: Record<string, number> = {};
  const stats = { framesSent: 0, garbageBytes: 0, connections: 0, closes };
  let stopping = false;
  const counted = (code: number) => {
    closes[code] = (closes[code] ?? 0) + 1;
  };
  // A valid, cheap frame, as fast as the socket takes it; a new connection when the server closes one.
  const frame = encodeClientFrame({ type: 'kp_count', requestId: 7 });
  const flooder = async (): Promise<void> => {
    while (!stopping) {
      const socket = await BenchSocket.parley(port, mallory, ATTACKER).catch(() => undefined);
      stats.connections++;
      if (socket === undefined) {
        counted(0);
        continue;
      }
      await new Promise<void>((resolve) => {
        // A reset connection is the server cutting the flood off: it closes, and the loop goes on.
        socket.ws.on('error', () => {});
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
      stats.connections++;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, {
        perMessageDeflate: false,
        localAddress: ATTACKER,
      });
      await new Promise<void>((resolve) => {
        ws.on('error', () => {});
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
  const argv = [
    process.execPath,
    fileURLToPath(import.meta.url),
    '--attack',
    String(port),
    '--round',
    String(round),
    '--attacker-nice',
    String(option('--attacker-nice', 19)),
  ];
  // --attacker-cpu N: the attacker on that core alone (Linux taskset), as if on another machine;
  // run the benchmark itself under `taskset -c <another core>` so the server and alice stay there.
  const cpu = option('--attacker-cpu', -1);
  const [command, ...rest] = cpu >= 0 ? ['taskset', '-c', String(cpu), ...argv] : argv;
  const child: ChildProcess = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
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
    const sendFrame = (i: number) => ({
      type: 'send' as const,
      requestId: 0,
      groupId: group.groupId,
      messageId: randomBytes(16),
      payload: group.ciphertexts[i]!,
      welcome: null,
    });
    const alone: Phase = { send: [], kpCount: [], lost: 0 };
    const flood: Phase = { send: [], kpCount: [], lost: 0 };
    const pool = (into: Phase, from: Phase) => {
      into.send.push(...from.send);
      into.kpCount.push(...from.kpCount);
      into.lost += from.lost;
    };
    let attacker: FloodResult['attacker'] = { framesSent: 0, garbageBytes: 0, connections: 0, closes: {} };
    // Each phase uses PER_PHASE / 2 of the group's messages.
    const half = Math.ceil(PER_PHASE / 2);
    for (let round = 0; round < ROUNDS; round++) {
      pool(alone, await roundTrips(group.sender, sendFrame, 2 * round * half, PER_PHASE, RATE));
      const mallory = await startAttacker(server.port, round);
      pool(flood, await roundTrips(group.sender, sendFrame, (2 * round + 1) * half, PER_PHASE, RATE));
      attacker = added(attacker, await mallory.stop());
    }
    await Promise.all([...sockets.values()].map((s) => s.close()));
    const figures = (p: Phase) => ({
      send: percentiles(p.send),
      kpCount: percentiles(p.kpCount),
      lost: p.lost,
    });
    const a = figures(alone);
    const f = figures(flood);
    return {
      alone: a,
      flood: f,
      ratio: { send: f.send.p99 / a.send.p99, kpCount: f.kpCount.p99 / a.kpCount.p99 },
      attacker,
      settings: { seconds: SECONDS, rate: RATE, rounds: ROUNDS },
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The attacker's figures of two rounds, added. */
function added(a: FloodResult['attacker'], b: FloodResult['attacker']): FloodResult['attacker'] {
  const closes = { ...a.closes };
  for (const [code, n] of Object.entries(b.closes)) closes[code] = (closes[code] ?? 0) + n;
  return {
    framesSent: a.framesSent + b.framesSent,
    garbageBytes: a.garbageBytes + b.garbageBytes,
    connections: a.connections + b.connections,
    closes,
  };
}

/** The report's lines. */
function floodReport(r: FloodResult): string[] {
  const ms = (p: Percentiles) => `p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms (${p.samples})`;
  const closes = Object.entries(r.attacker.closes)
    .map(([code, n]) => `${n}× ${code}`)
    .join(', ');
  const verdict = (x: number) => `${x.toFixed(2)}x (target <= 2x: ${x <= 2 ? 'met' : 'missed'})`;
  return [
    `                 send → sent                          kp_count → kp_remaining`,
    `alone:       ${ms(r.alone.send).padEnd(36)} ${ms(r.alone.kpCount)}; ${r.alone.lost} unanswered`,
    `under flood: ${ms(r.flood.send).padEnd(36)} ${ms(r.flood.kpCount)}; ${r.flood.lost} unanswered`,
    `p99 under flood / p99 alone: send ${verdict(r.ratio.send)}, kp_count ${verdict(r.ratio.kpCount)}`,
    `attacker: ${r.attacker.framesSent} frames sent, ${(r.attacker.garbageBytes / 1e6).toFixed(1)} MB of garbage, ${r.attacker.connections} connections; closed ${closes || 'never'} (0: refused before authenticating)`,
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
