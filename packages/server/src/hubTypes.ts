/** The Hub's types: a device's session, the frames features serve, and how they are handled. */
import type { ClientFrame, FrameErrorCode, ServerFrame } from '@parley/core';
import { ParleyError } from '@parley/core';
import type { WebSocket } from 'ws';

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

/** The request frames a feature may serve (a connection's `auth` is the Hub's own). */
export type RequestType = Exclude<ClientFrame['type'], 'auth'>;

/** The decoded frame of one frame type. */
export type FrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/** A handler of one request frame type: gets that frame, decoded, and resolves to its answer. */
export type FrameHandler<T extends RequestType = RequestType> = (
  session: DeviceSession,
  frame: FrameOf<T>,
  pipeline: Pipeline,
) => Promise<ServerFrame>;

export interface Served<T extends RequestType> {
  handler: FrameHandler<T>;
  pipelined: boolean;
}

/** The handler of each frame type served, typed by its frame type. */
export type Handlers = { [T in RequestType]?: Served<T> };

/** Who a push is for: every connection of one device, or of every device of an account. */
export interface PushTarget {
  accountId: string;
  deviceId?: string;
}

export interface Connection extends DeviceSession {
  socket: WebSocket;
  /** Counts the connection's frames refused over the rate limit. */
  refusals: { refuse(): boolean };
  /** After a refusal, the connection's next frame starts no sooner than this (ms since the epoch). */
  heldUntil: number;
}

/** Told when a device's authenticated connection opens (connected) or closes. */
export type ConnectionListener = (accountId: string, connected: boolean, deviceId: string) => Promise<void>;
