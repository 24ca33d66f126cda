/**
 * `npm run bench:soak` (and `npm run bench -- --soak`) — does the server hold steady? `--clients`
 * devices (default 1,000: accounts of 10 devices) chat in one-to-one conversations (pairs of
 * devices of different accounts) at a fixed total `--rate` (messages/s, default 500) for
 * `--minutes` (default 10) against one Parley server on SQLite; real MLS ciphertexts built
 * beforehand. Every minute it prints the p50/p99 latency (send → arrival) of that minute's
 * messages and the server's RSS (sampled every 5 s); at the end, the RSS slope in MB/min over
 * the minutes after the first (least squares; ≈ 0 when nothing leaks). Loopback only; bounded:
 * it stops after `--minutes` plus 2 minutes whatever happens. `--json FILE` writes the figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeviceIdentity, decodeServerFrame, encodeClientFrame, randomBytes, toHex } from '@parley/core';
import {
  type BenchGroup,
  BenchSocket,
  inParallel,
  numberOption,
  population,
  setupGroup,
  spawnServer,
  uploadKeyPackages,
} from './harness.js';

const args = process.argv.slice(2);
const CLIENTS = numberOption('--clients', 1000);
const RATE = numberOption('--rate', 500);
const MINUTES = numberOption('--minutes', 10);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const PER_ACCOUNT = 10;
const PAIRS = Math.floor(CLIENTS / 2);

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

interface Minute {
  minute: number;
  messages: number;
  p50: number;
  p99: number;
  rssMiB: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

/** Chat at RATE for MINUTES: per-minute latency and RSS. */
type SoakGroup = BenchGroup & { firstSeq: number };

async function chat(groups: SoakGroup[], rss: () => number, perPair: number): Promise<Minute[]> {
  const frames = groups.map((g) =>
    g.ciphertexts.map((payload) =>
      encodeClientFrame({
        type: 'send',
        requestId: 0,
        groupId: g.groupId,
        messageId: randomBytes(16),
        payload,
        welcome: null,
      }),
    ),
  );
  const sentAt = new Map<string, number>();
  let current: number[] = [];
  for (const g of groups)
    for (const r of g.receivers)
      r.onDelivery = (data) => {
        const f = decodeServerFrame(new Uint8Array(data));
        if (f.type !== 'deliver') return;
        const key = `${toHex(f.groupId)}:${f.seq}`;
        const t = sentAt.get(key);
        if (t === undefined) return;
        sentAt.delete(key);
        current.push(performance.now() - t);
      };
  // One sender per group, in order on one socket: message i of group k gets seq firstSeq + i.
  for (const g of groups) g.sender.onAck = () => {};
  const minutes: Minute[] = [];
  const rssSamples: number[] = [];
  const t0 = performance.now();
  const total = Math.min(perPair * groups.length, Math.floor(RATE * 60 * MINUTES));
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error('soak time limit reached')), (MINUTES + 2) * 60_000);
    const sampler = setInterval(() => rssSamples.push(rss()), 5000);
    const minuteTimer = setInterval(() => {
      const sorted = current.sort((a, b) => a - b);
      const m: Minute = {
        minute: minutes.length + 1,
        messages: sorted.length,
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        rssMiB: (rssSamples.at(-1) ?? rss()) / 2 ** 20,
      };
      minutes.push(m);
      current = [];
      log(
        `  minute ${m.minute}: ${m.messages} messages, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, RSS ${m.rssMiB.toFixed(0)} MiB`,
      );
      if (minutes.length >= MINUTES) {
        clearInterval(minuteTimer);
        clearInterval(sampler);
        clearInterval(tick);
        clearTimeout(limit);
        resolve();
      }
    }, 60_000);
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
      for (; sent < due; sent++) {
        const k = sent % groups.length;
        const i = Math.floor(sent / groups.length);
        const g = groups[k]!;
        sentAt.set(`${toHex(g.groupId)}:${g.firstSeq + i}`, performance.now());
        g.sender.ws.send(frames[k]![i]!);
      }
    }, 2);
  });
  return minutes;
}

async function main() {
  log(
    `Parley bench:soak — ${CLIENTS} clients (${PAIRS} one-to-one pairs), ${RATE} messages/s for ${MINUTES} min, SQLite, node ${process.version}\n`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-soak-'));
  const server = await spawnServer({ mode: 'parley', dataDir });
  try {
    const t = performance.now();
    const accounts = Math.ceil(CLIENTS / PER_ACCOUNT);
    const devices = (
      await population(
        `http://127.0.0.1:${server.port}`,
        accounts,
        (a) => Math.min(PER_ACCOUNT, CLIENTS - a * PER_ACCOUNT),
        'soak',
      )
    ).flat();
    const sockets = new Map<DeviceIdentity, BenchSocket>();
    await inParallel(devices, 64, async (id) => {
      sockets.set(id, await BenchSocket.parley(server.port, id));
    });
    await uploadKeyPackages(sockets);
    // Device i with device i + half: always of different accounts.
    const half = Math.floor(devices.length / 2);
    const perPair = Math.ceil((RATE * 60 * MINUTES) / PAIRS) + 1;
    const groups: SoakGroup[] = [];
    for (let k = 0; k < PAIRS; k++) {
      const g = await setupGroup(devices[k]!, [devices[k + half]!], sockets, perPair);
      // The add commit took seq 1 after group creation; application messages follow.
      const probe = await g.sender.request({
        type: 'send',
        requestId: 0,
        groupId: g.groupId,
        messageId: randomBytes(16),
        payload: g.ciphertexts[0]!,
        welcome: null,
      });
      if (probe.type !== 'sent') throw new Error('probe refused');
      groups.push({ ...g, ciphertexts: g.ciphertexts.slice(1), firstSeq: probe.seq + 1 });
    }
    log(
      `  setup: ${devices.length} devices connected, ${PAIRS} pairs in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, 500));
    const minutes = await chat(groups, () => server.rss(), perPair - 1);
    const steady = minutes.slice(1).map((m) => [m.minute, m.rssMiB] as [number, number]);
    const rssSlope = slope(steady);
    const worstP99 = Math.max(...minutes.map((m) => m.p99));
    log(
      `\n  RSS slope after minute 1: ${rssSlope.toFixed(2)} MB/min (target ≈ 0); worst minute's p99 ${worstP99.toFixed(1)} ms`,
    );
    if (jsonOut)
      writeFileSync(jsonOut, JSON.stringify({ clients: CLIENTS, rate: RATE, minutes, rssSlope }, null, 2));
    await Promise.all([...sockets.values()].map((s) => s.close()));
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
