/**
 * The WebSocket endpoint (`/v1/ws`, same port as HTTP): one binary connection per device,
 * authenticated by the device key signing a fresh server challenge, then carrying request frames
 * (docs/protocol.md). The Hub keeps the authenticated connections so features can push to a device.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FrameErrorCode, Signature } from '@parley/core';
import {
  CHALLENGE_BYTES,
  type ClientFrame,
  DecodeError,
  decodeClientFrame,
  encodeServerFrame,
  ParleyError,
  type ServerFrame,
  wsAuthMessage,
} from '@parley/core';
import type { FastifyBaseLogger } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type Cluster,
  type ClusterMessage,
  ClusterMessageError,
  decodeClusterMessage,
  encodeClusterMessage,
} from './cluster.js';
import type { Db } from './db.js';
import type { Metrics } from './metrics.js';

/** After this many undecodable frames a connection is closed. */
const MAX_BAD_FRAMES = 20;

export interface DeviceSession {
  accountId: string;
  deviceId: string;
  send(frame: ServerFrame): void;
  /** Send an already encoded frame (one encoding shared by every recipient of a fan-out). */
  sendEncoded(bytes: Uint8Array): void;
  /** Close the connection (WebSocket close code and reason). */
  close(code: number, reason: string): void;
}

/** A request refused with an `error` frame: its code is one of the protocol's WebSocket error codes. */
export class FrameError extends ParleyError {
  declare readonly code: FrameErrorCode;
  constructor(code: FrameErrorCode, message: string) {
    super(code, message);
  }
}

/** What a pipelined handler may do with its connection's frame queue. */
export interface Pipeline {
  /**
   * Let the connection's next frame start now, before this one is answered (its answer still goes
   * out after those of earlier frames). Call it once the frame's writes are queued (writeBatch.ts),
   * so the next frame's writes queue behind them.
   */
  release(): void;
  /** Resolves once every earlier frame of the connection is answered. */
  drained(): Promise<void>;
}

export type FrameHandler = (
  session: DeviceSession,
  frame: ClientFrame,
  pipeline: Pipeline,
) => Promise<ServerFrame>;

/** Who a push is for: every connection of one device, or of every device of an account. */
export interface PushTarget {
  accountId: string;
  deviceId?: string;
}

interface Connection extends DeviceSession {
  socket: WebSocket;
}

/** Token bucket for the per-device frame rate limit, shared by all of a device's connections. */
interface Bucket {
  tokens: number;
  refilledAt: number;
}

export class Hub {
  private readonly wss: WebSocketServer;
  private readonly byDevice = new Map<string, Set<Connection>>();
  private readonly byAccount = new Map<string, Set<Connection>>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly handlers = new Map<ClientFrame['type'], { handler: FrameHandler; pipelined: boolean }>();
  private readonly connectionListeners: Array<(accountId: string, connected: boolean) => Promise<void>> = [];

  constructor(
    private readonly deps: {
      db: Db;
      /** Other nodes: pushes for connections elsewhere go through it. */
      cluster: Cluster;
      signature: Signature;
      metrics: Metrics;
      log: FastifyBaseLogger;
      frameBytes: number;
      framesPerSecond: number;
      /** Frames of one connection received and not yet answered, at most (backpressure). */
      framesInFlight: number;
      /** A connection must authenticate within this time, so it cannot sit open unauthenticated. */
      authTimeoutMs: number;
    },
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: deps.frameBytes });
    deps.cluster.onMessage((bytes) => this.fromCluster(bytes));
  }

  /**
   * Send an encoded frame to the targets' connections on this node and, when other nodes exist,
   * publish it for theirs: a device target only when the device has no connection here, an account
   * target always (its devices may be spread over several nodes). Returns the sends made here.
   */
  pushTo(targets: PushTarget[], frame: Uint8Array): number {
    const devices: string[] = [];
    const accounts: string[] = [];
    let sent = 0;
    for (const t of targets) {
      const here = this.sessionsOf(t.accountId, t.deviceId);
      for (const s of here) s.sendEncoded(frame);
      sent += here.length;
      if (t.deviceId === undefined) accounts.push(t.accountId);
      else if (here.length === 0) devices.push(`${t.accountId}\0${t.deviceId}`);
    }
    if (this.deps.cluster.shared) {
      if (devices.length > 0)
        this.deps.cluster.publish(encodeClusterMessage({ kind: 'devices', targets: devices, frame }));
      if (accounts.length > 0)
        this.deps.cluster.publish(encodeClusterMessage({ kind: 'accounts', targets: accounts, frame }));
    }
    return sent;
  }

  /** Close every connection of a device, on every node (a revoked device is cut off at once). */
  closeDevice(accountId: string, deviceId: string, code: number, reason: string): void {
    for (const s of this.sessionsOf(accountId, deviceId)) s.close(code, reason);
    if (this.deps.cluster.shared) {
      this.deps.cluster.publish(
        encodeClusterMessage({ kind: 'close', targets: [`${accountId}\0${deviceId}`], code, reason }),
      );
    }
  }

  private fromCluster(bytes: Uint8Array): void {
    let m: ClusterMessage;
    try {
      m = decodeClusterMessage(bytes);
    } catch (e) {
      if (!(e instanceof ClusterMessageError)) throw e;
      this.deps.log.warn({ err: { type: e.name } }, 'undecodable cluster message');
      return;
    }
    for (const target of m.targets) {
      const sessions =
        m.kind === 'accounts' ? this.sessionsOf(target) : [...(this.byDevice.get(target) ?? [])];
      for (const s of sessions) {
        if (m.kind === 'close') s.close(m.code, m.reason);
        else s.sendEncoded(m.frame);
      }
      if (m.kind === 'devices') this.deps.metrics.messagesOut.inc(sessions.length);
    }
  }

  /**
   * Register the handler for one request frame type. A handler starts once every earlier frame of
   * its connection is answered, unless `pipelined`: then it starts as soon as the frame before it
   * has started and called `release` (or finished), and may itself call `release`.
   */
  on(
    type: Exclude<ClientFrame['type'], 'auth'>,
    handler: FrameHandler,
    options: { pipelined?: boolean } = {},
  ): void {
    this.handlers.set(type, { handler, pipelined: options.pipelined === true });
  }

  /** Called after a device authenticates (true) and after an authenticated connection closes (false). */
  onConnectionChange(listener: (accountId: string, connected: boolean) => Promise<void>): void {
    this.connectionListeners.push(listener);
  }

  private notifyConnection(accountId: string, connected: boolean): void {
    if (this.closing) return;
    for (const listener of this.connectionListeners) {
      listener(accountId, connected).catch((e: unknown) => {
        this.deps.log.error({ err: { type: (e as Error).name } }, 'connection listener failed');
      });
    }
  }

  /** Every authenticated connection of a device (a device may briefly have two while reconnecting). */
  sessionsOf(accountId: string, deviceId?: string): DeviceSession[] {
    if (deviceId !== undefined) return [...(this.byDevice.get(`${accountId}\0${deviceId}`) ?? [])];
    return [...(this.byAccount.get(accountId) ?? [])];
  }

  get connectionCount(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/v1/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  private accept(socket: WebSocket): void {
    const { metrics } = this.deps;
    metrics.connections.inc();
    const challenge = new Uint8Array(randomBytes(CHALLENGE_BYTES));
    let conn: Connection | undefined;
    let badFrames = 0;
    const write = corkedWriter(socket);
    const send = (frame: ServerFrame) => write(encodeServerFrame(frame));
    const authTimer = setTimeout(() => socket.close(4408, 'authentication timeout'), this.deps.authTimeoutMs);
    send({ type: 'challenge', requestId: 0, challenge, serverTime: Date.now() });

    /**
     * Handle one frame; resolves to its answer (undefined: none).
     */
    const onMessage = async (
      data: Buffer,
      isBinary: boolean,
      pipeline: Pipeline,
    ): Promise<ServerFrame | undefined> => {
      const earlier = pipeline.drained();
      metrics.framesIn.inc();
      if (!isBinary)
        return { type: 'error', requestId: 0, code: 'decode_error', message: 'frames are binary' };
      let frame: ClientFrame;
      try {
        frame = decodeClientFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      } catch (e) {
        const code = e instanceof DecodeError ? e.code : 'decode_error';
        metrics.frameErrors.inc({ code });
        if (++badFrames >= MAX_BAD_FRAMES) socket.close(4400, 'too many invalid frames');
        return {
          type: 'error',
          requestId: requestIdOf(data),
          code,
          message: e instanceof Error ? e.message : 'bad frame',
        };
      }
      if (conn === undefined) {
        if (frame.type !== 'auth') {
          return {
            type: 'error',
            requestId: frame.requestId,
            code: 'unauthenticated',
            message: 'authenticate first',
          };
        }
        await earlier;
        conn = await this.authenticate(socket, frame, challenge, send, write);
        if (conn !== undefined) clearTimeout(authTimer);
        return undefined;
      }
      if (frame.type === 'auth') {
        return { type: 'error', requestId: frame.requestId, code: 'usage', message: 'already authenticated' };
      }
      if (!this.takeToken(conn)) {
        metrics.frameErrors.inc({ code: 'rate_limited' });
        return {
          type: 'error',
          requestId: frame.requestId,
          code: 'rate_limited',
          message: 'too many frames; slow down',
        };
      }
      const entry = this.handlers.get(frame.type);
      if (entry === undefined) {
        return {
          type: 'error',
          requestId: frame.requestId,
          code: 'unsupported',
          message: 'frame type not served',
        };
      }
      try {
        if (!entry.pipelined) await earlier;
        return await entry.handler(conn, frame, pipeline);
      } catch (e) {
        if (e instanceof FrameError) {
          metrics.frameErrors.inc({ code: e.code });
          return { type: 'error', requestId: frame.requestId, code: e.code, message: e.message };
        }
        this.deps.log.error({ err: { type: (e as Error).name }, frame: frame.type }, 'frame handler failed');
        return { type: 'error', requestId: frame.requestId, code: 'internal', message: 'internal error' };
      }
    };
    // Frames of one connection start in arrival order: each once the one before it has started and
    // released (pipelined handlers) or finished, and at most framesInFlight unanswered at a time.
    // Answers go out in arrival order. Past framesInFlight unanswered frames the socket stops
    // being read, so a client cannot queue unbounded work.
    let started: Promise<void> = Promise.resolve();
    let answered: Promise<void> = Promise.resolve();
    const inFlight: Array<Promise<void>> = [];
    let unanswered = 0;
    socket.on('message', (data, isBinary) => {
      if (++unanswered >= this.deps.framesInFlight) socket.pause();
      const previousStarted = started;
      const earlier = answered;
      let release!: () => void;
      started = new Promise((resolve) => {
        release = resolve;
      });
      const slot = inFlight.length >= this.deps.framesInFlight ? inFlight.shift() : undefined;
      const answer = (async () => {
        await previousStarted;
        await slot;
        let reply: ServerFrame | undefined;
        try {
          reply = await onMessage(data as Buffer, isBinary, { release, drained: () => earlier });
        } catch (e) {
          this.deps.log.error({ err: { type: (e as Error).name } }, 'frame handling failed');
        }
        release();
        await earlier;
        if (reply !== undefined) send(reply);
        if (--unanswered < this.deps.framesInFlight && socket.isPaused) socket.resume();
      })();
      answered = answer;
      inFlight.push(answer);
    });

    socket.on('close', () => {
      clearTimeout(authTimer);
      metrics.connections.dec();
      if (conn !== undefined) {
        const key = `${conn.accountId}\0${conn.deviceId}`;
        const set = this.byDevice.get(key);
        set?.delete(conn);
        if (set?.size === 0) this.byDevice.delete(key);
        const mine = this.byAccount.get(conn.accountId);
        mine?.delete(conn);
        if (mine?.size === 0) this.byAccount.delete(conn.accountId);
        this.notifyConnection(conn.accountId, false);
      }
    });
    socket.on('error', () => socket.terminate());
  }

  private async authenticate(
    socket: WebSocket,
    frame: Extract<ClientFrame, { type: 'auth' }>,
    challenge: Uint8Array,
    send: (f: ServerFrame) => void,
    write: (bytes: Uint8Array) => void,
  ): Promise<Connection | undefined> {
    const device = await this.deps.db
      .selectFrom('devices')
      .select(['device_key', 'revoked_at'])
      .where('username', '=', frame.accountId)
      .where('device_id', '=', frame.deviceId)
      .executeTakeFirst();
    const valid =
      device !== undefined &&
      device.revoked_at === null &&
      (await this.deps.signature.verify(device.device_key, wsAuthMessage(challenge), frame.signature));
    if (!valid) {
      this.deps.metrics.frameErrors.inc({ code: 'auth_failed' });
      send({
        type: 'error',
        requestId: frame.requestId,
        code: 'auth_failed',
        message: 'device authentication failed',
      });
      socket.close(4401, 'authentication failed');
      return undefined;
    }
    const conn: Connection = {
      accountId: frame.accountId,
      deviceId: frame.deviceId,
      socket,
      send: (f) => write(encodeServerFrame(f)),
      sendEncoded: write,
      close: (code, reason) => socket.close(code, reason),
    };
    const key = `${conn.accountId}\0${conn.deviceId}`;
    let set = this.byDevice.get(key);
    if (set === undefined) {
      set = new Set();
      this.byDevice.set(key, set);
    }
    set.add(conn);
    let mine = this.byAccount.get(conn.accountId);
    if (mine === undefined) {
      mine = new Set();
      this.byAccount.set(conn.accountId, mine);
    }
    mine.add(conn);
    send({ type: 'ok', requestId: frame.requestId });
    this.notifyConnection(conn.accountId, true);
    return conn;
  }

  private takeToken(conn: Connection): boolean {
    const now = Date.now();
    const burst = this.deps.framesPerSecond * 10;
    const key = `${conn.accountId}\0${conn.deviceId}`;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= 100_000) this.buckets.clear();
      b = { tokens: burst, refilledAt: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.refilledAt) / 1000) * this.deps.framesPerSecond);
    b.refilledAt = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/**
 * Send frames on `socket`, those sent in one tick leaving in one write: a group commit resolves
 * many messages at once, so one connection often gets several pushes and answers in a row, and
 * one system call (and TCP segment) instead of one each spares both ends. `ws` has no public cork;
 * its underlying socket's cork and uncork nest with the ones `ws` does per frame.
 */
function corkedWriter(socket: WebSocket): (bytes: Uint8Array) => void {
  // ws is pinned exactly (8.23.0) for this private field; without it frames just go one by one.
  const found = (socket as unknown as { _socket?: Duplex })._socket;
  const raw = typeof found?.cork === 'function' && typeof found.uncork === 'function' ? found : undefined;
  let corked = false;
  return (bytes) => {
    if (socket.readyState !== socket.OPEN) return;
    if (!corked && raw !== undefined) {
      corked = true;
      raw.cork();
      process.nextTick(() => {
        corked = false;
        raw.uncork();
      });
    }
    socket.send(bytes);
  };
}

function requestIdOf(data: Buffer): number {
  return data.length >= 5 ? data.readUInt32BE(1) : 0;
}
