/**
 * Who may read /metrics: by default only a client on this host (a loopback peer whose request was
 * not relayed by a proxy) or one presenting the configured bearer token; refusals are typed errors.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.js';
import { ApiError } from '../errors.js';

/** Whether an address is a loopback one: 127.0.0.0/8, ::1, or 127.x mapped into IPv6. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  const family = isIP(plain);
  return family !== 0 && LOOPBACK.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/** Headers a reverse proxy adds: a request carrying one came from elsewhere through this host. */
const RELAY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'via'];

function fromThisHost(request: FastifyRequest): boolean {
  return (
    isLoopback(request.socket.remoteAddress) && RELAY_HEADERS.every((h) => request.headers[h] === undefined)
  );
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether the request's bearer token is the metrics token (compared in constant time). */
function holdsToken(request: FastifyRequest, token: string | undefined): boolean {
  const header = request.headers.authorization;
  if (token === undefined || header === undefined || !header.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice(7)), digest(token));
}

/** Throws the typed refusal unless this request may read the metrics. */
export function checkMetricsAccess(
  request: FastifyRequest,
  { access, token }: ServerConfig['metrics'],
): void {
  if (access === 'open' || holdsToken(request, token)) return;
  if (access === 'loopback' && fromThisHost(request)) return;
  throw new ApiError(403, 'forbidden', 'metrics are served to this host or with the metrics token only');
}
