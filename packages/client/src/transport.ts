/**
 * The connection from one device to its server: a WebSocket authenticated with the device key,
 * request/response matching, pushes as events, and automatic reconnection.
 *
 * Isomorphic: it uses the platform's WebSocket (browsers), or the constructor it is given (Node
 * passes `ws`, see ../node.ts). Reconnection uses exponential backoff with full jitter, so a
 * restarted server is not hit by every client at the same instant; it stops only when the caller
 * closes the connection or the server refuses the device (revoked, unknown).
 */

import type { Signature } from '@parley/core';
import {
  type ClientFrame,
  DecodeError,
  type DeviceIdentity,
  decodeServerFrame,
  encodeClientFrame,
  ParleyError,
  type ServerFrame,
  wsAuthMessage,
} from '@parley/core';

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'closed';

/** Failures of the transport itself (the server's own refusals arrive as `error` frames). */
export class TransportError extends ParleyError {
  declare readonly code: TransportFailure;
  constructor(code: TransportFailure, message: string) {
    super(code, message);
  }
}
export type TransportFailure = 'offline' | 'timeout' | 'closed' | 'auth_failed' | 'protocol';

/** The subset of the WebSocket API the transport uses (browser WebSocket and `ws` both have it). */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

export interface BackoffOptions {
  /** First retry delay ceiling, ms. */
  initialMs: number;
  /** Largest delay ceiling, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000 };

/** Full-jitter exponential backoff: a delay drawn uniformly from [0, min(max, initial·2^attempt)]. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export interface ConnectionOptions {
  /** Server base URL (http(s)://host:port); the WebSocket endpoint is derived from it. */
  url: string;
  identity: DeviceIdentity;
  signature: Signature;
  socketFactory?: SocketFactory;
  backoff?: BackoffOptions;
  /** How long a request may wait for the connection and its answer, ms. */
  requestTimeoutMs?: number;
}

type Request = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'requestId'> : never) : never;

interface Pending {
  resolve(f: ServerFrame): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Connection {
  private socket: SocketLike | undefined;
  private stateValue: ConnectionState = 'offline';
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly pushListeners = new Set<(f: ServerFrame) => void>();
  private readonly unreadableListeners = new Set<(e: TransportError) => void>();
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private waitingForOnline: Array<() => void> = [];
  private closedReason: TransportError | undefined;
  private readonly factory: SocketFactory;
  private readonly backoff: BackoffOptions;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: ConnectionOptions) {
    const platform = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
    const factory = options.socketFactory ?? (platform ? (u: string) => new platform(u) : undefined);
    if (factory === undefined) throw new TransportError('protocol', 'no WebSocket implementation available');
    this.factory = factory;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Start connecting (and keep reconnecting until close()). */
  start(): void {
    if (this.stateValue === 'closed') throw new TransportError('closed', 'connection was closed');
    if (this.socket === undefined && this.reconnectTimer === undefined) this.open();
  }

  /** Resolves when online; rejects if the connection is closed or the timeout passes. */
  waitOnline(timeoutMs = this.requestTimeoutMs): Promise<void> {
    if (this.stateValue === 'online') return Promise.resolve();
    if (this.stateValue === 'closed')
      return Promise.reject(this.closedReason ?? new TransportError('closed', 'closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waitingForOnline = this.waitingForOnline.filter((w) => w !== done);
        reject(new TransportError('timeout', 'not connected in time'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        if (this.stateValue === 'online') resolve();
        else reject(this.closedReason ?? new TransportError('closed', 'closed'));
      };
      this.waitingForOnline.push(done);
    });
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onPush(listener: (f: ServerFrame) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** A pushed frame this client cannot read (too large, or malformed): something may have been missed. */
  onUnreadable(listener: (e: TransportError) => void): () => void {
    this.unreadableListeners.add(listener);
    return () => this.unreadableListeners.delete(listener);
  }

  /**
   * Send a request and wait for its answer (`error` frames are answers too: the caller decides).
   * Waits for the connection if it is down; a connection lost while waiting rejects with `offline`,
   * so the caller (the outbox) can retry with the same message id.
   */
  async request(frame: Request): Promise<ServerFrame> {
    await this.waitOnline();
    return this.send(frame);
  }

  close(): void {
    this.setClosed(new TransportError('closed', 'closed by the application'));
  }

  private send(frame: Request): Promise<ServerFrame> {
    const socket = this.socket;
    if (socket === undefined || this.stateValue !== 'online') {
      return Promise.reject(new TransportError('offline', 'not connected'));
    }
    const requestId = this.nextId++;
    if (this.nextId > 0xffffffff) this.nextId = 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new TransportError('timeout', 'no answer in time'));
      }, this.requestTimeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      socket.send(encodeClientFrame({ ...frame, requestId } as ClientFrame));
    });
  }

  private setState(s: ConnectionState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    for (const l of this.stateListeners) l(s);
    if (s === 'online' || s === 'closed') {
      const waiting = this.waitingForOnline;
      this.waitingForOnline = [];
      for (const w of waiting) w();
    }
  }

  private setClosed(reason: TransportError): void {
    this.closedReason = reason;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'closing');
    this.failPending(reason);
    this.setState('closed');
  }

  private failPending(error: TransportError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
  }

  private open(): void {
    this.setState('connecting');
    const url = `${this.options.url.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/ws`;
    let socket: SocketLike;
    try {
      socket = this.factory(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    let authenticated = false;
    socket.onmessage = (ev) => {
      const bytes = toBytes(ev.data);
      if (bytes === undefined) return;
      let frame: ServerFrame;
      try {
        frame = decodeServerFrame(bytes);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        // A frame this client cannot read (a newer or broken server): if it answers a request, fail
        // that request now rather than at its timeout; otherwise tell the listeners.
        const requestId = bytes.length >= 5 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(1) : 0;
        const waiting = requestId === 0 ? undefined : this.pending.get(requestId);
        const error = new TransportError(
          'protocol',
          `unreadable frame from the server (${e.code}): ${e.message}`,
        );
        if (waiting !== undefined) {
          this.pending.delete(requestId);
          clearTimeout(waiting.timer);
          waiting.reject(error);
        } else if (authenticated) for (const l of this.unreadableListeners) l(error);
        return;
      }
      if (!authenticated) {
        if (frame.type === 'challenge') void this.authenticate(socket, frame.challenge);
        else if (frame.type === 'ok') {
          authenticated = true;
          this.attempt = 0;
          this.setState('online');
        } else if (frame.type === 'error' && frame.code === 'auth_failed') {
          this.setClosed(new TransportError('auth_failed', 'the server refused this device'));
        }
        return;
      }
      if (frame.requestId !== 0) {
        const p = this.pending.get(frame.requestId);
        if (p !== undefined) {
          this.pending.delete(frame.requestId);
          clearTimeout(p.timer);
          p.resolve(frame);
          return;
        }
      }
      for (const l of this.pushListeners) l(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failPending(new TransportError('offline', 'connection lost'));
      if (this.stateValue !== 'closed') {
        this.setState('offline');
        this.scheduleReconnect();
      }
    };
    socket.onerror = () => {
      // A close event follows; reconnection is handled there.
    };
  }

  private async authenticate(socket: SocketLike, challenge: Uint8Array): Promise<void> {
    const { identity, signature } = this.options;
    const sig = await signature.sign(identity.deviceKey.signKey, wsAuthMessage(challenge));
    if (this.socket !== socket) return;
    socket.send(
      encodeClientFrame({
        type: 'auth',
        requestId: this.nextId++,
        accountId: identity.accountId,
        deviceId: identity.deviceId,
        signature: sig,
      }),
    );
  }

  private scheduleReconnect(): void {
    if (this.stateValue === 'closed' || this.reconnectTimer !== undefined) return;
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stateValue !== 'closed') this.open();
    }, delay);
  }
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
