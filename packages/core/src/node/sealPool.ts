/**
 * Many HPKE seals of one MLS operation, shared between this thread and a worker thread.
 *
 * A commit's UpdatePath seals each path secret to every node of the copath's resolution (RFC 9420
 * §7.6), and a Welcome seals the group secrets to every new member's init key (§12.4.3.1). After a
 * big Add every parent node is blank, so the next commit seals to each leaf: ~1,000 seals for 1,000
 * members, each an X25519 key generation and Diffie-Hellman plus the HPKE key schedule, all
 * synchronous OpenSSL calls on one thread (node:crypto has no asynchronous X25519 DH). ts-mls asks
 * for them together (`Promise.all`), so the seals requested in one turn of the event loop are
 * gathered here, and when there are many, a worker thread makes part of them while this thread makes
 * the rest.
 *
 * The worker runs the same HPKE (nativeHpke.ts, without this pool) on the same inputs: the
 * recipient's public key, the plaintext, the info and the aad. Each seal draws its own ephemeral key
 * wherever it runs (RFC 9180 §4.1 Encap), so a result is the same kind of value either way. The worker
 * is in this process: what it is handed (path secrets, group secrets) crosses no trust boundary.
 * Infos handed over are sent once per buffer (a Welcome passes one ~0.4 MB info to every seal).
 *
 * Should the worker be missing or fail, the seals handed to it are made here: a seal made twice
 * only draws another ephemeral key, and only one result is used.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import type { Hpke, HpkeAlgorithm, PublicKey } from 'ts-mls';

type Sealed = { ct: Uint8Array; enc: Uint8Array };

/** Fewer seals than this in one turn are all made here: handing them over would cost more. */
export const POOL_THRESHOLD = 64;
/**
 * A worker not started yet takes ~50–90 ms to load its modules: a batch waits for that only from
 * this many seals on (the worker's share then takes longer than its start); a smaller one is made
 * here, and the worker started for the next.
 */
export const COLD_THRESHOLD = 512;
/** The share of a batch made on this thread (the worker's runs a little slower: it is handed its inputs). */
const MINE = 0.55;
/** Infos larger than this in all keep a batch here (never the case in MLS: one Welcome info). */
const MAX_HANDED_INFO_BYTES = 8 * 1024 * 1024;
/** A worker left unused this long is stopped (its ~10 MB given back). */
const IDLE_MS = 60_000;

interface Request {
  publicKey: PublicKey;
  plaintext: Uint8Array;
  info: Uint8Array;
  aad: Uint8Array | undefined;
  resolve(r: Sealed): void;
  reject(e: unknown): void;
}

/** What a worker is handed: the infos once each, and per seal its key, plaintext, info and aad. */
interface Job {
  id: number;
  alg: HpkeAlgorithm;
  infos: Uint8Array[];
  seals: Array<[Uint8Array, Uint8Array, number, Uint8Array | null]>;
}
/**
 * The worker's answer: each seal's ciphertext and enc, or why not. `fatal`: it cannot seal at all (its
 * module would not load), and is not asked again; any other error (a seal that fails, as one to a
 * small-order key does) has the job's seals made here, where each fails or not on its own.
 */
type Reply =
  | { id: number; results: Array<[Uint8Array, Uint8Array]> }
  | { id: number; error: string; fatal?: boolean };

// A CommonJS `eval` worker that imports the HPKE module by URL: the same code as this thread's, and
// no file of its own to locate when this module is loaded from its TypeScript sources.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = import(workerData.module);
loaded.then(() => parentPort.postMessage({ ready: true }), (e) => parentPort.postMessage({ failed: String((e && e.message) || e) }));
const made = new Map();
const hpkeOf = (alg) => {
  const key = alg.kem + '/' + alg.kdf + '/' + alg.aead;
  if (!made.has(key)) made.set(key, loaded.then((m) => m.plainNativeHpke(alg)));
  return made.get(key);
};
parentPort.on('message', async (job) => {
  let hpke;
  try {
    hpke = await hpkeOf(job.alg);
    if (hpke === undefined) throw new Error('no native HPKE for this suite');
  } catch (e) {
    return parentPort.postMessage({ id: job.id, error: String((e && e.message) || e), fatal: true });
  }
  try {
    const results = [];
    for (const [key, plaintext, info, aad] of job.seals) {
      const r = await hpke.seal(await hpke.importPublicKey(key), plaintext, job.infos[info], aad ?? undefined);
      results.push([r.ct, r.enc]);
    }
    parentPort.postMessage({ id: job.id, results });
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: String((e && e.message) || e) });
  }
});
`;

/** The worker's start-up: its module loaded, or not. */
type Status = { ready: true } | { failed: string };

/** The process's one seal worker, started on first use and stopped when idle. */
class SealWorker {
  private worker: Worker | undefined;
  private failed = false;
  private ready: Promise<boolean> | undefined;
  private isReady = false;
  private next = 0;
  private readonly waiting = new Map<number, { resolve(r: Reply): void }>();
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly module: string) {}

  /** Start the worker if need be; resolves once it can seal (true) or cannot (false). */
  warm(): Promise<boolean> {
    this.start();
    return this.ready ?? Promise.resolve(false);
  }

  /**
   * Run `job` on the worker; undefined when there is none to be had, or when it is still starting
   * and `wait` is false (it is started then, for the next batch).
   */
  run(job: Omit<Job, 'id'>, wait: boolean): Promise<Reply> | undefined {
    const worker = this.start();
    if (worker === undefined || (!this.isReady && !wait)) return undefined;
    const id = this.next++;
    clearTimeout(this.idle);
    worker.ref();
    return new Promise<Reply>((resolve) => {
      this.waiting.set(id, { resolve });
      worker.postMessage({ ...job, id });
    });
  }

  private start(): Worker | undefined {
    if (this.failed || !isMainThread) return undefined;
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER, { eval: true, workerData: { module: this.module } });
    worker.unref();
    let started: (ok: boolean) => void = () => {};
    this.ready = new Promise<boolean>((resolve) => {
      started = resolve;
    });
    this.isReady = false;
    const unused = () => {
      worker.unref();
      clearTimeout(this.idle);
      this.idle = setTimeout(() => this.stop(), IDLE_MS);
      this.idle.unref();
    };
    worker.on('message', (m: Reply | Status) => {
      if ('ready' in m || 'failed' in m) {
        this.isReady = 'ready' in m;
        if ('failed' in m) {
          this.failed = true;
          void worker.terminate();
        } else if (this.waiting.size === 0) unused();
        return started(this.isReady);
      }
      if ('fatal' in m && m.fatal) this.failed = true;
      this.waiting.get(m.id)?.resolve(m);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) unused();
    });
    // The end of this worker, not of one started after it: one stopped when idle (no job waiting)
    // may exit after a batch has started the next, whose state and jobs are left alone.
    const end = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.isReady = false;
      started(false);
      for (const [id, w] of this.waiting) w.resolve({ id, error: reason });
      this.waiting.clear();
    };
    worker.once('error', (e) => {
      this.failed = true;
      end(e.message);
    });
    worker.once('exit', () => end('the seal worker has stopped'));
    this.worker = worker;
    return worker;
  }

  private stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

const counts = { here: 0, handed: 0 };

/** Seals made on this thread and made by the worker, since the process started. */
export function sealPoolCounts(): { here: number; handed: number } {
  return { ...counts };
}

/** One worker per HPKE module (there is one, but for tests). */
const workers = new Map<string, SealWorker>();
const defaultModule = () => new URL('./nativeHpke.js', import.meta.url).href;
function workerFor(module: string): SealWorker {
  const worker = workers.get(module) ?? new SealWorker(module);
  workers.set(module, worker);
  return worker;
}

/** Start the seal worker ahead of need; resolves to whether it can seal. */
export function warmSealWorker(module = defaultModule()): Promise<boolean> {
  return workerFor(module).warm();
}

/** The raw key of one of nativeHpke's public keys (nodeDhkem.ts `NodeDhKey`), if it is one. */
function rawOf(key: PublicKey): Uint8Array | undefined {
  const raw = (key as { raw?: unknown }).raw;
  return raw instanceof Uint8Array ? raw : undefined;
}

/**
 * `hpke` with its seals gathered per turn and, when there are at least POOL_THRESHOLD of them,
 * shared with the seal worker. `module`: the URL of the module whose `plainNativeHpke` the worker
 * runs (tests point it elsewhere).
 */
export function withSealPool(hpke: Hpke, alg: HpkeAlgorithm, module = defaultModule()): Hpke {
  let pending: Request[] = [];
  const here = (r: Request) => {
    counts.here++;
    return hpke.seal(r.publicKey, r.plaintext, r.info, r.aad).then(r.resolve, r.reject);
  };

  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    try {
      const split = Math.ceil(batch.length * MINE);
      const handed = batch.length >= POOL_THRESHOLD ? handOver(batch.slice(split), batch.length) : undefined;
      const mine = handed === undefined ? batch : batch.slice(0, split);
      for (const r of mine) await here(r);
      await handed;
    } catch (e) {
      // Nothing here should throw; if it did, no seal is left waiting (a settled one stays as it is).
      for (const r of batch) r.reject(e);
    }
  }

  /** Hand `requests` (of a batch of `size`) to the worker; undefined (and nothing handed) if it cannot take them. */
  function handOver(requests: Request[], size: number): Promise<void> | undefined {
    const infos: Uint8Array[] = [];
    const infoIndex = new Map<Uint8Array, number>();
    let infoBytes = 0;
    const seals: Job['seals'] = [];
    for (const r of requests) {
      const key = rawOf(r.publicKey);
      if (key === undefined) return undefined;
      let i = infoIndex.get(r.info);
      if (i === undefined) {
        i = infos.push(r.info) - 1;
        infoIndex.set(r.info, i);
        infoBytes += r.info.byteLength;
      }
      seals.push([key, r.plaintext, i, r.aad ?? null]);
    }
    if (infoBytes > MAX_HANDED_INFO_BYTES) return undefined;
    const reply = workerFor(module).run({ alg, infos, seals }, size >= COLD_THRESHOLD);
    if (reply === undefined) return undefined;
    return reply.then(async (m) => {
      if ('error' in m || m.results.length !== requests.length) {
        for (const r of requests) await here(r);
        return;
      }
      counts.handed += requests.length;
      for (const [k, r] of requests.entries()) {
        const [ct, enc] = m.results[k]!;
        r.resolve({ ct, enc });
      }
    });
  }

  return {
    ...hpke,
    seal(publicKey, plaintext, info, aad) {
      return new Promise<Sealed>((resolve, reject) => {
        if (pending.length === 0) setImmediate(() => void flush());
        pending.push({ publicKey, plaintext, info, aad, resolve, reject });
      });
    },
  };
}
