/**
 * Who a request comes from: the socket's address, or, from the configured reverse proxies only
 * (`trustProxy`), the address their X-Forwarded-For names. One trust function serves Fastify's
 * `request.ip` (the login, access and registration throttles) and the WebSocket upgrade (the
 * connection caps), so both count the same client.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

export type ProxyTrust = (address: string, hop: number) => boolean;

/** The trust function of the configured proxies; false when none is (the header is ignored). */
export function proxyTrust(trustProxy: string[] | undefined): ProxyTrust | false {
  return trustProxy === undefined ? false : proxyAddr.compile(trustProxy);
}

/** The client address of a request (as `request.ip` gives it for HTTP routes). */
export function clientAddressOf(trust: ProxyTrust | false): (request: IncomingMessage) => string {
  if (trust === false) return (request) => request.socket.remoteAddress ?? '';
  return (request) => proxyAddr(request, trust);
}
