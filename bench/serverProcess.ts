/**
 * A server under benchmark, in its own process so it does not share a CPU with the load generator:
 * `node serverProcess.js parley <dataDir> [<postgresUrl> <redisUrl> <redisPrefix>]` (rate limits and
 * caps raised out of the load's way: every client is on loopback, one address),
 * `node serverProcess.js defaults <dataDir>` (the default limits, as a server runs them: the flood
 * scenario), `node serverProcess.js relay`, or `node serverProcess.js copy <dataDir>` (plain HTTP
 * file copy, the attachments baseline: copyServer.ts). Prints {"port": N} on stdout when listening; exits on
 * SIGTERM.
 *
 * The bare relay is the baseline: a `ws` server that forwards every binary message to every other
 * socket connected to the same path (a "room": one per group) and answers the sender with a 1-byte
 * ack (the same flow control Parley's `sent` gives the sender). No authentication, no storage, no
 * ordering. Its process loads only `ws`.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { type WebSocket, WebSocketServer } from 'ws';

const [mode, dataDir, database, redis, redisPrefix] = process.argv.slice(2);

if (mode === 'relay') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1024 * 1024 });
  const rooms = new Map<string, Set<WebSocket>>();
  const ACK = Uint8Array.of(1);
  wss.on('connection', (ws, request) => {
    const name = (request.url ?? '/').slice(0, 200);
    let room = rooms.get(name);
    if (room === undefined) {
      room = new Set();
      rooms.set(name, room);
    }
    const members = room;
    members.add(ws);
    ws.on('close', () => {
      members.delete(ws);
      if (members.size === 0) rooms.delete(name);
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      for (const other of members) if (other !== ws && other.readyState === other.OPEN) other.send(data);
      ws.send(ACK);
    });
  });
  wss.on('listening', () => {
    const address = wss.address();
    process.stdout.write(
      `${JSON.stringify({ port: address !== null && typeof address === 'object' ? address.port : 0 })}\n`,
    );
  });
  process.on('SIGTERM', () => wss.close(() => process.exit(0)));
} else if ((mode === 'parley' || mode === 'defaults') && dataDir) {
  const raised = {
    messagesPerSecond: 100_000,
    frameBytes: 4 * 1024 * 1024,
    loginsPerMinute: 100_000,
    unauthenticatedPerAddress: 100_000,
    unauthenticatedTotal: 100_000,
    failedConnectionsPerAddressPerMinute: 100_000,
    connectionsPerAddress: 100_000,
    registrationsPerAddressPerHour: 100_000,
    registrationsPerHour: 100_000,
    groupsPerAccountPerDay: 100_000,
  };
  // Loaded here, not at the top: the relay's process must not carry Parley's modules (its memory
  // is the baseline).
  const { applyHeapPolicy, buildServer, DEFAULT_CONFIG, startIdleTrim } = await import('@parley/server');
  // As the `parley-server` command does (PARLEY_BENCH_NODE_ARGS=--heap-growing-percent=N overrides;
  // PARLEY_BENCH_IDLE_TRIM=0 leaves the heap to V8 after a burst).
  applyHeapPolicy();
  const trim = process.env.PARLEY_BENCH_IDLE_TRIM === '0' ? undefined : startIdleTrim();
  const server = await buildServer({
    ...DEFAULT_CONFIG,
    dataDir,
    ...(database && redis && redisPrefix ? { database, redis, redisPrefix } : {}),
    logLevel: 'warn',
    limits: { ...DEFAULT_CONFIG.limits, ...(mode === 'parley' ? raised : {}) },
  });
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
  // PARLEY_BENCH_ALLOCATIONS=FILE: a sampling profile of every allocation (garbage included),
  // written at exit: where the server's garbage comes from.
  const allocations = process.env.PARLEY_BENCH_ALLOCATIONS;
  const stopSampling = allocations === undefined ? undefined : await sampleAllocations(allocations);
  // PARLEY_BENCH_PAUSES=1: each second with a stall, the event loop's longest delay and the
  // garbage collections' pauses, on stderr: where latency tails come from.
  if (process.env.PARLEY_BENCH_PAUSES === '1') await reportPauses();
  // PARLEY_BENCH_MEMORY=1: at exit, what the RSS is made of (V8's heap spaces, buffers, the rest).
  process.on('SIGTERM', () => {
    if (process.env.PARLEY_BENCH_MEMORY === '1') {
      reportMemory();
      const t = trim?.trims();
      if (t !== undefined)
        process.stderr.write(`[memory] idle trims ${t.count}, the last ${t.lastMs.toFixed(1)} ms\n`);
    }
    // The profile first: closing a server with hundreds of connections may not end cleanly.
    Promise.resolve(stopSampling?.())
      .then(() => server.close())
      .finally(() => process.exit(0));
  });
} else if (mode === 'copy' && dataDir) {
  const { copyServer } = await import('./copyServer.js');
  const port = await copyServer(dataDir);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.on('SIGTERM', () => process.exit(0));
} else {
  process.stderr.write(
    'usage: serverProcess.js parley <dataDir> [<postgresUrl> <redisUrl> <prefix>] | defaults <dataDir> | relay | copy <dataDir>\n',
  );
  process.exit(2);
}

/** Start sampling allocations (those collected since too); the returned function writes `file`. */
async function sampleAllocations(file: string): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(file, JSON.stringify(profile));
  };
}

/** Every second: the event loop's max delay and the GC pauses over 2 ms, when either is notable. */
async function reportPauses(): Promise<void> {
  const { monitorEventLoopDelay, PerformanceObserver } = await import('node:perf_hooks');
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let pauses: string[] = [];
  const kinds: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weak', 16: 'minor' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'gc';
      if (e.duration >= 2) pauses.push(`${kind} ${e.duration.toFixed(1)}`);
    }
  }).observe({ entryTypes: ['gc'] });
  const started = Date.now();
  setInterval(() => {
    const max = delay.max / 1e6;
    if (max >= 5 || pauses.length > 0)
      process.stderr.write(
        `[pauses ${((Date.now() - started) / 1000).toFixed(0)} s] loop max ${max.toFixed(1)} ms p99 ${(delay.percentile(99) / 1e6).toFixed(1)}; gc ${pauses.join(', ')}\n`,
      );
    delay.reset();
    pauses = [];
  }, 1000).unref();
}

/** The server's RSS split: V8's spaces (committed / used), buffers outside the heap, and the rest. */
function reportMemory(): void {
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  const m = process.memoryUsage();
  const spaces = getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0)
    .map((s) => `${s.space_name} ${mib(s.space_size)}/${mib(s.space_used_size)}`);
  process.stderr.write(
    `[memory] rss ${mib(m.rss)} MiB: V8 heap ${mib(m.heapTotal)} (used ${mib(m.heapUsed)}; ${spaces.join(', ')}), ` +
      `external ${mib(m.external)} (array buffers ${mib(m.arrayBuffers)}), ` +
      `the rest (code, native allocations) ${mib(m.rss - m.heapTotal - m.external)}\n` +
      `[memory] by mapping: ${mappings()}\n`,
  );
  // With --expose-gc among PARLEY_BENCH_NODE_ARGS: what a full collection leaves (the live heap).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    const after = process.memoryUsage();
    process.stderr.write(
      `[memory] after a full GC: rss ${mib(after.rss)} MiB, V8 heap ${mib(after.heapTotal)} (used ${mib(after.heapUsed)})\n`,
    );
  }
}

/** The process's resident memory by kind of mapping (/proc/self/smaps): files by name, anonymous. */
function mappings(): string {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return 'unavailable';
  }
  const kb = new Map<string, number>();
  let name = '';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1] === '' ? 'anonymous' : head[1]!.split('/').pop()!;
    else if (line.startsWith('Rss:')) kb.set(name, (kb.get(name) ?? 0) + Number(line.split(/\s+/)[1]));
  }
  return [...kb]
    .filter(([, n]) => n >= 1024)
    .sort((a, b) => b[1] - a[1])
    .map(([n, v]) => `${n} ${(v / 1024).toFixed(1)}`)
    .join(', ');
}
