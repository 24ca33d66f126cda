/** Node-only helpers: the `ws` WebSocket for the transport. */
import WebSocket from 'ws';
import type { SocketFactory, SocketLike } from './transport.js';

export const nodeSocketFactory: SocketFactory = (url) =>
  new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 }) as unknown as SocketLike;
