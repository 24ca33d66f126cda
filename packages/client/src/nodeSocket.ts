/** The SDK's WebSocket in Node (`ws`), trusting the platform's authorities or one server's own certificate. */
import WebSocket from 'ws';
import type { ServerTrust } from './nodeTls.js';
import type { SocketFactory, SocketLike } from './transport.js';

/** WebSockets for wss:// URLs trust `trust.ca` alone when given, else the platform's authorities. */
export function nodeSocketFactoryTrusting(trust: ServerTrust | undefined): SocketFactory {
  return (url) =>
    new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
      ...(trust === undefined ? {} : { ca: trust.ca }),
    }) as unknown as SocketLike;
}

export const nodeSocketFactory: SocketFactory = nodeSocketFactoryTrusting(undefined);
