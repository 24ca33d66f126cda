/** A device's WebSocket connection for tests: real `ws`, real frames, real device-key signature. */
import {
  type ClientFrame,
  type DeviceIdentity,
  decodeServerFrame,
  encodeClientFrame,
  type ServerFrame,
  wsAuthMessage,
} from '@parley/core';
import { until } from '@parley/testing';
import WebSocket from 'ws';
import { cs } from './helpers.js';

type Request = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'requestId'> : never) : never;

export class WsClient {
  readonly pushes: ServerFrame[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (f: ServerFrame) => void>();
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(new Uint8Array(data));
      const resolve = frame.requestId !== 0 ? this.pending.get(frame.requestId) : undefined;
      if (resolve !== undefined) {
        this.pending.delete(frame.requestId);
        resolve(frame);
      } else {
        this.pushes.push(frame);
      }
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  /**
   * Connect without authenticating; the server's challenge is the first push. `localAddress` (a
   * loopback address such as 127.0.0.2) plays another client address.
   */
  static async open(url: string, localAddress?: string): Promise<WsClient> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, localAddress ? { localAddress } : {});
    // Listen before the socket opens: the server's challenge may arrive in the same tick.
    const client = new WsClient(socket);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return client;
  }

  /** Connect and authenticate as `device`. */
  static async connect(url: string, device: DeviceIdentity, localAddress?: string): Promise<WsClient> {
    const client = await WsClient.open(url, localAddress);
    const auth = await client.authenticate(device);
    if (auth.type !== 'ok') throw new Error(`auth failed: ${JSON.stringify(auth)}`);
    return client;
  }

  async authenticate(device: DeviceIdentity, signKey = device.deviceKey.signKey): Promise<ServerFrame> {
    const challenge = await this.nextPush();
    if (challenge.type !== 'challenge') throw new Error('expected a challenge');
    const signature = await cs.signature.sign(signKey, wsAuthMessage(challenge.challenge));
    return this.request({ type: 'auth', accountId: device.accountId, deviceId: device.deviceId, signature });
  }

  request(frame: Request): Promise<ServerFrame> {
    const requestId = this.nextId++;
    return this.sendRaw(encodeClientFrame({ ...frame, requestId } as ClientFrame), requestId);
  }

  sendRaw(bytes: Uint8Array | string, requestId: number): Promise<ServerFrame> {
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      this.socket.send(bytes);
    });
  }

  /** The oldest push not taken yet, waiting for one if none came; fails if the socket closes first. */
  async nextPush(timeoutMs = 5000): Promise<ServerFrame> {
    await until(() => this.pushes.length > 0 || this.closed !== undefined, 'a push', timeoutMs, 10);
    const push = this.pushes.shift();
    if (push === undefined) throw new Error(`closed while waiting for a push: ${this.closed!.code}`);
    return push;
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await until(() => this.closed !== undefined, 'the server to close the socket', timeoutMs, 10);
    return this.closed!;
  }

  close(): void {
    this.socket.close();
  }
}
