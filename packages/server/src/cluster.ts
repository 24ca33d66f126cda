/**
 * What server nodes share besides the database. One process alone keeps it in memory
 * (LocalCluster); several processes share it through Redis (RedisCluster):
 * - pushes: a frame for devices or accounts connected to another node goes out on one pub/sub
 *   channel; every node delivers it to its own connections of those devices;
 * - presence: how many connections each account has, per node, so "online" spans every node;
 * - pending OPAQUE logins (login/start on one node, login/finish on another) and the login rate
 *   limits, so a client cannot multiply its allowance by the number of nodes.
 * Ordering is not here: commits are ordered by compare-and-set in the database (delivery/log.ts).
 */
import { randomBytes } from 'node:crypto';
import { DecodeError, decodeWith, fromUtf8, ParleyError, utf8, Writer } from '@parley/core';
import type { Redis } from 'ioredis';
import { RateLimiter } from './rateLimit.js';

export interface Limiter {
  /** Count one event for `key`; false when the key is over its limit in the current window. */
  take(key: string): Promise<boolean>;
  /** Whether `key` has used up its limit in the current window (counting nothing). */
  exhausted(key: string): Promise<boolean>;
  /** Milliseconds until `key`'s current window ends and its count starts again (0: no window). */
  retryAfterMs(key: string): Promise<number>;
}

export interface Cluster {
  /** Whether other nodes may exist (pushes for devices not connected here must be published). */
  readonly shared: boolean;
  /** Send `message` to every other node's onMessage handler. */
  publish(message: Uint8Array): void;
  onMessage(handler: (message: Uint8Array) => void): void;
  limiter(name: string, limit: number, windowMs: number): Limiter;
  /** Keep `value` under `key` for `ttlMs`; false when the store is full. */
  putTemporary(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Read and delete (once: a second take gets undefined). */
  takeTemporary(key: string): Promise<string | undefined>;
  /** An account's connection on this node opened (+1) or closed (-1); returns its connections on all nodes. */
  presenceChange(accountId: string, delta: 1 | -1): Promise<number>;
  /** Whether each account has a connection on some live node. */
  online(accountIds: string[]): Promise<boolean[]>;
  close(): Promise<void>;
}

const MAX_TEMPORARY = 10_000;

/** One process: everything in memory, nothing published. */
export class LocalCluster implements Cluster {
  readonly shared = false;
  private readonly temporary = new Map<string, { value: string; expires: number }>();
  private readonly connections = new Map<string, number>();

  publish(): void {}
  onMessage(): void {}

  limiter(_name: string, limit: number, windowMs: number): Limiter {
    const inMemory = new RateLimiter(limit, windowMs);
    return {
      take: async (key) => inMemory.take(key),
      exhausted: async (key) => inMemory.exhausted(key),
      retryAfterMs: async (key) => inMemory.retryAfterMs(key),
    };
  }

  async putTemporary(key: string, value: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if (this.temporary.size >= MAX_TEMPORARY) {
      for (const [k, v] of this.temporary) if (v.expires < now) this.temporary.delete(k);
      if (this.temporary.size >= MAX_TEMPORARY) return false;
    }
    this.temporary.set(key, { value, expires: now + ttlMs });
    return true;
  }

  async takeTemporary(key: string): Promise<string | undefined> {
    const entry = this.temporary.get(key);
    this.temporary.delete(key);
    return entry === undefined || entry.expires < Date.now() ? undefined : entry.value;
  }

  async presenceChange(accountId: string, delta: 1 | -1): Promise<number> {
    const n = Math.max(0, (this.connections.get(accountId) ?? 0) + delta);
    if (n === 0) this.connections.delete(accountId);
    else this.connections.set(accountId, n);
    return n;
  }

  async online(accountIds: string[]): Promise<boolean[]> {
    return accountIds.map((a) => (this.connections.get(a) ?? 0) > 0);
  }

  async close(): Promise<void> {}
}

/** A node announces itself this often; a node silent for NODE_TTL_MS counts as gone. */
const HEARTBEAT_MS = 5_000;
const NODE_TTL_MS = 15_000;
const NODE_ID_BYTES = 16;

/**
 * Several processes sharing one Redis. Keys and the channel start with `prefix`. Presence is a hash
 * per account (node id → connection count) plus a sorted set of live nodes (score = expiry), so the
 * connections of a node that crashed stop counting once its heartbeat lapses.
 */
export class RedisCluster implements Cluster {
  readonly shared = true;
  private readonly nodeId = randomBytes(NODE_ID_BYTES);
  private readonly nodeName = this.nodeId.toString('hex');
  private readonly channel: string;
  private readonly handlers: Array<(message: Uint8Array) => void> = [];
  private liveNodes = new Set<string>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly maxMessageBytes: number,
    private readonly onError: (e: unknown) => void,
  ) {
    this.channel = `${prefix}push`;
    // Redis also delivers a node's own publications to it: those carry its id and are skipped.
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (channel.toString() !== this.channel) return;
      if (message.length < NODE_ID_BYTES || message.length > maxMessageBytes + NODE_ID_BYTES) return;
      if (message.subarray(0, NODE_ID_BYTES).equals(this.nodeId)) return;
      const body = new Uint8Array(
        message.buffer,
        message.byteOffset + NODE_ID_BYTES,
        message.length - NODE_ID_BYTES,
      );
      for (const h of this.handlers) h(body);
    });
  }

  /** Connect both Redis connections (commands and subscription); fails if Redis is unreachable. */
  static async connect(
    url: string,
    prefix: string,
    maxMessageBytes: number,
    onError: (e: unknown) => void,
  ): Promise<RedisCluster> {
    const options = { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 10_000 };
    // Loaded only by a server configured for Redis: a single node does not carry the client.
    const { Redis: Client } = await import('ioredis');
    const redis = new Client(url, options);
    const subscriber = new Client(url, options);
    // ioredis reconnects by itself (and re-subscribes); errors are reported, never thrown at the process.
    redis.on('error', onError);
    subscriber.on('error', onError);
    try {
      await Promise.all([redis.connect(), subscriber.connect()]);
      const cluster = new RedisCluster(redis, subscriber, prefix, maxMessageBytes, onError);
      await subscriber.subscribe(cluster.channel);
      await cluster.beat();
      cluster.heartbeat = setInterval(() => void cluster.beat().catch(onError), HEARTBEAT_MS);
      cluster.heartbeat.unref();
      return cluster;
    } catch (e) {
      redis.disconnect();
      subscriber.disconnect();
      throw e;
    }
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    const key = `${this.prefix}nodes`;
    await this.redis
      .multi()
      .zadd(key, now + NODE_TTL_MS, this.nodeName)
      .zremrangebyscore(key, '-inf', now)
      .exec();
    await this.refreshLiveNodes();
  }

  /** The nodes whose heartbeat has not lapsed (this one included). */
  private async refreshLiveNodes(): Promise<void> {
    this.liveNodes = new Set(await this.redis.zrangebyscore(`${this.prefix}nodes`, Date.now(), '+inf'));
  }

  publish(message: Uint8Array): void {
    if (message.length > this.maxMessageBytes) {
      this.onError(new RangeError('cluster message too large'));
      return;
    }
    this.redis.publish(this.channel, Buffer.concat([this.nodeId, message])).catch(this.onError);
  }

  onMessage(handler: (message: Uint8Array) => void): void {
    this.handlers.push(handler);
  }

  limiter(name: string, limit: number, windowMs: number): Limiter {
    const keyOf = (key: string) => `${this.prefix}limit:${name}:${key}`;
    return {
      exhausted: async (key) => Number((await this.redis.get(keyOf(key))) ?? 0) >= limit,
      retryAfterMs: async (key) => Math.max(0, await this.redis.pttl(keyOf(key))),
      take: async (key) => {
        const k = keyOf(key);
        // The window starts with the first event (SET NX with its expiry); INCR counts in it.
        const [, count] = (await this.redis.multi().set(k, '0', 'PX', windowMs, 'NX').incr(k).exec()) as [
          unknown,
          [Error | null, number],
        ];
        if (count[0] !== null) throw count[0];
        return count[1] <= limit;
      },
    };
  }

  async putTemporary(key: string, value: string, ttlMs: number): Promise<boolean> {
    await this.redis.set(`${this.prefix}tmp:${key}`, value, 'PX', ttlMs);
    return true;
  }

  async takeTemporary(key: string): Promise<string | undefined> {
    return (await this.redis.getdel(`${this.prefix}tmp:${key}`)) ?? undefined;
  }

  async presenceChange(accountId: string, delta: 1 | -1): Promise<number> {
    const key = `${this.prefix}online:${accountId}`;
    const mine = await this.redis.hincrby(key, this.nodeName, delta);
    if (mine <= 0) await this.redis.hdel(key, this.nodeName);
    const [count] = await this.counts([accountId]);
    return count!;
  }

  async online(accountIds: string[]): Promise<boolean[]> {
    return (await this.counts(accountIds)).map((n) => n > 0);
  }

  /** Connections per account on live nodes; entries of nodes gone are deleted on the way. */
  private async counts(accountIds: string[]): Promise<number[]> {
    if (accountIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const a of accountIds) pipeline.hgetall(`${this.prefix}online:${a}`);
    const hashes = ((await pipeline.exec()) ?? []).map(([error, hash]) => {
      if (error !== null) throw error;
      return hash as Record<string, string>;
    });
    // A node not known live may have started since the last heartbeat: look again before judging.
    const isLive = (node: string) => node === this.nodeName || this.liveNodes.has(node);
    if (hashes.some((h) => Object.keys(h).some((node) => !isLive(node)))) await this.refreshLiveNodes();
    const stale = this.redis.pipeline();
    let staleCount = 0;
    const out = hashes.map((hash, i) => {
      let n = 0;
      for (const [node, count] of Object.entries(hash)) {
        if (isLive(node)) n += Math.max(0, Number(count));
        else {
          stale.hdel(`${this.prefix}online:${accountIds[i]}`, node);
          staleCount++;
        }
      }
      return n;
    });
    if (staleCount > 0) await stale.exec();
    return out;
  }

  async close(): Promise<void> {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    await this.redis.zrem(`${this.prefix}nodes`, this.nodeName).catch(() => {});
    await Promise.all([this.subscriber.quit().catch(() => {}), this.redis.quit().catch(() => {})]);
  }
}

/** What a cluster message asks the nodes to do with their connections of the named targets. */
export type ClusterMessage =
  | { kind: 'devices' | 'accounts'; targets: string[]; frame: Uint8Array }
  | { kind: 'close'; targets: string[]; code: number; reason: string };

const KINDS = ['devices', 'accounts', 'close'] as const;
const MAX_TARGET_BYTES = 1024;
const MAX_TARGETS = 100_000;

/** kind u8 · target count u32 · targets (u16 length · UTF-8 each) · frame, or code u16 · reason (UTF-8). */
export function encodeClusterMessage(m: ClusterMessage): Uint8Array {
  const w = new Writer().u8(KINDS.indexOf(m.kind)).u32(m.targets.length);
  for (const t of m.targets) w.string(t, MAX_TARGET_BYTES);
  if (m.kind !== 'close') return w.fixed(m.frame, m.frame.length).finish();
  const reason = utf8(m.reason);
  return w.u16(m.code).fixed(reason, reason.length).finish();
}

/** A cluster message that does not decode (code `decode_error`). */
export class ClusterMessageError extends ParleyError {
  constructor(message: string) {
    super('decode_error', message);
  }
}

/** Decode a cluster message; throws ClusterMessageError for anything malformed. */
export function decodeClusterMessage(bytes: Uint8Array): ClusterMessage {
  try {
    return decodeWith(bytes, Number.POSITIVE_INFINITY, 'cluster message', (r): ClusterMessage => {
      const kind = KINDS[r.u8()];
      if (kind === undefined) throw new DecodeError('unknown kind');
      const count = r.u32();
      if (count > MAX_TARGETS) throw new DecodeError('too many targets');
      const targets: string[] = [];
      for (let i = 0; i < count; i++) targets.push(r.string(MAX_TARGET_BYTES));
      if (kind === 'close') return { kind, targets, code: r.u16(), reason: fromUtf8(r.rest()) };
      return { kind, targets, frame: r.rest() };
    });
  } catch (e) {
    // decodeWith turns every failure into a DecodeError.
    throw new ClusterMessageError((e as DecodeError).message);
  }
}
