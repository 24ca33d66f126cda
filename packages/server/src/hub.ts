/**
 * The WebSocket endpoint (`/v1/ws`, same port as HTTP): one binary connection per device,
 * authenticated by the device key signing a fresh server challenge, then carrying request frames
 * (docs/protocol.md). The Hub keeps the authenticated connections so features can push to a device.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Signature } from '@parley/core';
import {
  CHALLENGE_BYTES,
  CLOSE,
  type ClientFrame,
  DecodeError,
  decodeClientFrame,
  encodeServerFrame,
  type ServerFrame,
  wsAuthMessage,
} from '@parley/core';
import type { FastifyBaseLogger } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import { closeWith } from './closeSocket.js';
import {
  type Cluster,
  type ClusterMessage,
  ClusterMessageError,
  decodeClusterMessage,
  encodeClusterMessage,
} from './cluster.js';
import { ConnectionCaps, type ConnectionLimits, type Ticket } from './connectionCaps.js';
import type { Db } from './db.js';
import { corkedWriter, inArrivalOrder } from './delivery/socket.js';
import { DeviceRates, refusalCounter } from './frameRate.js';
import type {
  Connection,
  ConnectionListener,
  DeviceSession,
  FrameHandler,
  FrameOf,
  Handlers,
  Pipeline,
  PushTarget,
  RequestType,
  Served,
} from './hubTypes.js';
import { FrameError } from './hubTypes.js';

export type {
  ConnectionListener,
  DeviceSession,
  FrameHandler,
  FrameOf,
  Pipeline,
  PushTarget,
  RequestType,
} from './hubTypes.js';
export { FrameError } from './hubTypes.js';

import type { Metrics } from './metrics.js';

/** After this many undecodable frames a connection is closed. */
const MAX_BAD_FRAMES = 20;

export class Hub {
  private readonly wss: WebSocketServer;
  private readonly byDevice = new Map<string, Set<Connection>>();
  private readonly byAccount = new Map<string, Set<Connection>>();
  private readonly rates: DeviceRates;
  private readonly caps: ConnectionCaps;
  private readonly handlers: Handlers = {};
  private readonly connectionListeners: ConnectionListener[] = [];

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
      /** A connection with more frames refused over the rate limit within 10 s is closed. */
      rateLimitedCloseAfter: number;
      /** How many connections a client address, device and account may hold (connectionCaps.ts). */
      connectionLimits: ConnectionLimits;
      /** The client address of an upgrade request (clientAddress.ts, as the HTTP throttles see it). */
      clientAddress: (request: IncomingMessage) => string;
    },
  ) {
    this.rates = new DeviceRates(deps.framesPerSecond);
    this.caps = new ConnectionCaps(deps.connectionLimits);
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

  /** Close every connection of an account's devices on this node (moderation/watch.ts runs on each). */
  closeAccount(accountId: string, code: number, reason: string): void {
    for (const s of this.sessionsOf(accountId)) s.close(code, reason);
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
  on<T extends RequestType>(type: T, handler: FrameHandler<T>, options: { pipelined?: boolean } = {}): void {
    const served: Served<T> = { handler, pipelined: options.pipelined === true };
    Object.assign(this.handlers, { [type]: served });
  }

  /** Called after a device authenticates (true) and after an authenticated connection closes (false). */
  onConnectionChange(listener: ConnectionListener): void {
    this.connectionListeners.push(listener);
  }

  private notifyConnection(accountId: string, connected: boolean, deviceId: string): void {
    if (this.closing) return;
    for (const listener of this.connectionListeners) {
      listener(accountId, connected, deviceId).catch((e: unknown) => {
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

  /** Whether a client address is refused at the upgrade for now (its sockets keep failing to authenticate). */
  refuses(address: string): boolean {
    return this.caps.failing(address);
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node's HTTP server stops watching a socket's errors once it is handed over for an upgrade:
    // a peer resetting it while it is refused below would otherwise crash the process.
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/v1/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    // Over a connection cap, the WebSocket opens only to be closed with the cap's code and reason;
    // an address whose connections keep failing to authenticate is refused before it opens.
    const ticket = this.caps.open(this.deps.clientAddress(request));
    if (ticket === 'failing') {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nretry-after: 60\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) =>
      typeof ticket === 'string' ? closeWith(ws, ticket) : this.accept(ws, ticket),
    );
  }

  private accept(socket: WebSocket, ticket: Ticket): void {
    const { metrics } = this.deps;
    metrics.connections.inc();
    const challenge = new Uint8Array(randomBytes(CHALLENGE_BYTES));
    let conn: Connection | undefined;
    let badFrames = 0;
    // Frames that arrived before the connection authenticated (they are the first ones), and the
    // number of frames handled: only the first frame before authentication may be read, an `auth`.
    let arrivedBeforeAuth = 0;
    let handled = 0;
    const write = corkedWriter(socket);
    const send = (frame: ServerFrame) => write(encodeServerFrame(frame));
    const authTimer = setTimeout(() => closeWith(socket, 'authTimeout'), this.deps.authTimeoutMs);
    send({ type: 'challenge', requestId: 0, challenge, serverTime: Date.now() });
    // Registered before inArrivalOrder's listener, so it sees each frame as it arrives. While the
    // `auth` frame is checked nothing more is read.
    socket.on('message', () => {
      if (conn === undefined && ++arrivedBeforeAuth === 1) socket.pause();
    });

    /** The connection's `auth` frame, checked once every earlier frame is answered. */
    const authenticate = async (frame: Extract<ClientFrame, { type: 'auth' }>, earlier: Promise<void>) => {
      await earlier;
      conn = await this.authenticate(socket, frame, { challenge, ticket }, send, write);
      if (conn !== undefined) clearTimeout(authTimer);
      return undefined;
    };

    /**
     * Handle one frame: its answer (undefined: none), or a promise of it. Not an async function, so
     * an authenticated connection's frame goes on to `serve` without a frame of its own suspended.
     */
    const onMessage = (
      data: Buffer,
      isBinary: boolean,
      pipeline: Pipeline,
    ): Promise<ServerFrame | undefined> | ServerFrame | undefined => {
      // A connection being closed reads nothing more (frames parsed from the last chunk).
      if (socket.readyState !== socket.OPEN) return undefined;
      metrics.framesIn.inc();
      const frame = this.decode(data, isBinary);
      if (handled++ < arrivedBeforeAuth && (handled > 1 || 'error' in frame || frame.type !== 'auth')) {
        // Before authentication only one `auth` frame is read: anything else ends the connection.
        send(
          'error' in frame
            ? frame.error
            : errorFrame(frame.requestId, 'unauthenticated', 'authenticate first'),
        );
        closeWith(socket, 'unauthenticated');
        return undefined;
      }
      if ('error' in frame) {
        if (isBinary && ++badFrames >= MAX_BAD_FRAMES) closeWith(socket, 'invalidFrames');
        return frame.error;
      }
      if (conn === undefined) {
        if (frame.type !== 'auth')
          return errorFrame(frame.requestId, 'unauthenticated', 'authenticate first');
        return authenticate(frame, pipeline.drained());
      }
      if (frame.type === 'auth') return errorFrame(frame.requestId, 'usage', 'already authenticated');
      return this.serve(conn, frame, pipeline);
    };
    inArrivalOrder(socket, this.deps.framesInFlight, onMessage, send, (e) =>
      this.deps.log.error({ err: { type: (e as Error).name } }, 'frame handling failed'),
    );

    socket.on('close', () => {
      clearTimeout(authTimer);
      ticket.release();
      metrics.connections.dec();
      if (conn !== undefined) this.forget(conn);
    });
    socket.on('error', () => socket.terminate());
  }

  /** A frame as received: decoded, or the error frame that answers it. */
  private decode(data: Buffer, isBinary: boolean): ClientFrame | { error: ServerFrame & { type: 'error' } } {
    if (!isBinary) return { error: errorFrame(0, 'decode_error', 'frames are binary') };
    try {
      return decodeClientFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (e) {
      const code = e instanceof DecodeError ? e.code : 'decode_error';
      this.deps.metrics.frameErrors.inc({ code });
      return { error: errorFrame(requestIdOf(data), code, e instanceof Error ? e.message : 'bad frame') };
    }
  }

  /**
   * Answer a request frame of an authenticated connection with its handler (rate limited). A frame
   * over the device's rate is refused, and the connection's later frames wait a while before they
   * start (past `framesInFlight` of them its socket is not read). A connection refused more than
   * `rateLimitedCloseAfter` frames within 10 s is closed.
   */
  private serve(
    conn: Connection,
    frame: FrameOf<RequestType>,
    pipeline: Pipeline,
  ): Promise<ServerFrame | undefined> | ServerFrame | undefined {
    const held = conn.heldUntil - Date.now();
    if (held > 0) {
      return new Promise((resolve) => setTimeout(resolve, held)).then(() =>
        this.serveNow(conn, frame, pipeline),
      );
    }
    return this.serveNow(conn, frame, pipeline);
  }

  /**
   * `serve` once the connection is not held. Not an async function: a pipelined frame's answer is
   * its handler's promise with the error mapping chained on, no frame suspended beside it.
   */
  private serveNow(
    conn: Connection,
    frame: FrameOf<RequestType>,
    pipeline: Pipeline,
  ): Promise<ServerFrame | undefined> | ServerFrame | undefined {
    const wait = this.rates.take(`${conn.accountId}\0${conn.deviceId}`);
    if (wait > 0) {
      this.deps.metrics.frameErrors.inc({ code: 'rate_limited' });
      if (!conn.refusals.refuse()) {
        closeWith(conn.socket, 'rateLimited');
        return undefined;
      }
      // Refused at once; the connection's next frame waits half the time a token takes to come back.
      conn.heldUntil = Date.now() + wait / 2;
      return errorFrame(frame.requestId, 'rate_limited', 'too many frames; slow down');
    }
    const served = this.handlerOf(frame.type);
    if (served === undefined) return errorFrame(frame.requestId, 'unsupported', 'frame type not served');
    let answer: Promise<ServerFrame>;
    try {
      answer = served.pipelined
        ? served.handler(conn, frame, pipeline)
        : pipeline.drained().then(() => served.handler(conn, frame, pipeline));
    } catch (e) {
      return this.failed(frame, e);
    }
    return answer.then(undefined, (e: unknown) => this.failed(frame, e));
  }

  /** The answer to a frame whose handler failed: its FrameError's code, or `internal` (logged). */
  private failed(frame: FrameOf<RequestType>, e: unknown): ServerFrame {
    if (e instanceof FrameError) {
      this.deps.metrics.frameErrors.inc({ code: e.code });
      return errorFrame(frame.requestId, e.code, e.message);
    }
    this.deps.log.error({ err: { type: (e as Error).name }, frame: frame.type }, 'frame handler failed');
    return errorFrame(frame.requestId, 'internal', 'internal error');
  }

  private handlerOf<T extends RequestType>(type: T): Served<T> | undefined {
    return this.handlers[type];
  }

  /** A closed connection is no longer a target of pushes. */
  private forget(conn: Connection): void {
    const key = `${conn.accountId}\0${conn.deviceId}`;
    const set = this.byDevice.get(key);
    set?.delete(conn);
    if (set?.size === 0) this.byDevice.delete(key);
    const mine = this.byAccount.get(conn.accountId);
    mine?.delete(conn);
    if (mine?.size === 0) this.byAccount.delete(conn.accountId);
    this.notifyConnection(conn.accountId, false, conn.deviceId);
  }

  private async authenticate(
    socket: WebSocket,
    frame: Extract<ClientFrame, { type: 'auth' }>,
    { challenge, ticket }: { challenge: Uint8Array; ticket: Ticket },
    send: (f: ServerFrame) => void,
    write: (bytes: Uint8Array) => void,
  ): Promise<Connection | undefined> {
    const device = await this.deps.db
      .selectFrom('devices')
      .innerJoin('accounts', 'accounts.username', 'devices.username')
      .select(['devices.device_key', 'devices.revoked_at', 'accounts.disabled_at'])
      .where('devices.username', '=', frame.accountId)
      .where('devices.device_id', '=', frame.deviceId)
      .executeTakeFirst();
    const valid =
      device !== undefined &&
      device.revoked_at === null &&
      (await this.deps.signature.verify(device.device_key, wsAuthMessage(challenge), frame.signature));
    // A disabled account is told so only after its device proved itself (the signature verified).
    const disabled = valid && device.disabled_at !== null;
    if (!valid || disabled) {
      this.deps.metrics.frameErrors.inc({ code: 'auth_failed' });
      send({
        type: 'error',
        requestId: frame.requestId,
        code: 'auth_failed',
        message: disabled ? 'this account is disabled on this server' : 'device authentication failed',
      });
      closeWith(socket, disabled ? 'disabled' : 'authFailed');
      return undefined;
    }
    const refusal = ticket.authenticated(frame.accountId, frame.deviceId);
    if (refusal !== undefined) {
      send(errorFrame(frame.requestId, 'limit_reached', CLOSE[refusal].reason));
      closeWith(socket, refusal);
      return undefined;
    }
    const conn: Connection = {
      accountId: frame.accountId,
      deviceId: frame.deviceId,
      socket,
      send: (f) => write(encodeServerFrame(f)),
      sendEncoded: write,
      close: (code, reason) => socket.close(code, reason),
      refusals: refusalCounter(this.deps.rateLimitedCloseAfter),
      heldUntil: 0,
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
    this.notifyConnection(conn.accountId, true, conn.deviceId);
    return conn;
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function errorFrame(requestId: number, code: string, message: string): ServerFrame & { type: 'error' } {
  return { type: 'error', requestId, code, message };
}

function requestIdOf(data: Buffer): number {
  return data.length >= 5 ? data.readUInt32BE(1) : 0;
}
