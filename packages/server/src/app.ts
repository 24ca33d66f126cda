/**
 * buildServer(config) → a Fastify app (HTTP routes; the WebSocket delivery endpoint joins it on the
 * same port), testable in-process with app.inject or on a real socket with app.listen.
 */

import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { sql } from 'kysely';
import { opaqueServerSetup } from './accounts.js';
import { blocks } from './blocks.js';
import { clientAddressOf, proxyTrust } from './clientAddress.js';
import { type Cluster, LocalCluster, RedisCluster } from './cluster.js';
import type { ServerConfig } from './config.js';
import { serverSignature } from './crypto.js';
import { type Db, openDatabase } from './db.js';
import { groups } from './delivery/index.js';
import { recordDeviceSeen } from './deviceSeen.js';
import { goneFrames } from './goneMembers.js';
import { SERVER_VERSION } from './http/health.js';
import { httpRoutes } from './http/routes.js';
import { Hub } from './hub.js';
import { startJobs } from './jobs.js';
import { keyDirectory } from './keyDirectory.js';
import { logStreamFor } from './logFormat.js';
import { createMetrics, type Metrics, registerQueueDepth } from './metrics.js';
import { presence } from './presence.js';
import { SeenWrites } from './seenWrites.js';
import { tarpitRefused } from './tarpit.js';
import { transferTickets } from './transferTickets.js';
import { transparencyFrames } from './transparency/frames.js';
import { transparencyKey } from './transparency/key.js';
import { transparencyRoutes } from './transparency/routes.js';
import { TransparencyLog } from './transparency/service.js';
import { DEFAULT_WEB_ROOT, webApp } from './web.js';

export { SERVER_VERSION };

export interface ParleyServer {
  app: FastifyInstance;
  hub: Hub;
  db: Db;
  /** What this node shares with the others (in memory when it is alone). */
  cluster: Cluster;
  metrics: Metrics;
  config: ServerConfig;
  /** This node's view of the key transparency log. */
  transparency: TransparencyLog;
  /** Whether the web app is served at '/' (its build was found). */
  web: boolean;
  /** Stop accepting, finish in-flight requests, close the database. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /**
   * An open database (the caller closes it); by default the configured one: PostgreSQL at
   * config.database, else the SQLite file in config.dataDir.
   */
  db?: Db;
  /** Where log lines go (default stdout); tests capture them to prove what logs never contain. */
  logStream?: { write(line: string): void };
}

export async function buildServer(config: ServerConfig, options: BuildOptions = {}): Promise<ParleyServer> {
  const db = options.db ?? (await openDatabase(config));
  const metrics = createMetrics();
  const trust = proxyTrust(config.trustProxy);
  // Slowloris: a connection must deliver its request headers within headersTimeoutMs (checked
  // every second) and the whole request within a minute, or Node closes it. WebSockets, once
  // upgraded, are no longer HTTP requests and are not affected.
  const timeouts = {
    headersTimeout: config.limits.headersTimeoutMs,
    requestTimeout: Math.max(60_000, config.limits.headersTimeoutMs),
    connectionsCheckingInterval: Math.min(1_000, config.limits.headersTimeoutMs),
  };
  const logStream = options.logStream ?? logStreamFor(config.logFormat, process.stdout);
  const app = Fastify({
    bodyLimit: config.limits.httpBodyBytes,
    // X-Forwarded-For is believed only from the configured proxies; otherwise request.ip is the socket's.
    trustProxy: trust,
    requestTimeout: timeouts.requestTimeout,
    http: timeouts,
    ...(config.tlsCert && config.tlsKey
      ? { https: { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey), ...timeouts } }
      : {}),
    logger: {
      level: config.logLevel,
      ...(logStream ? { stream: logStream } : {}),
      // Headers are never logged; requests are logged by http/requestLog.ts only (method, route,
      // status, duration): never query strings, bodies, tokens, keys or client ports.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  let cluster: Cluster;
  try {
    cluster =
      config.redis === undefined
        ? new LocalCluster()
        : await RedisCluster.connect(
            config.redis,
            config.redisPrefix,
            config.limits.frameBytes + 8 * 1024 * 1024,
            // Redis errors carry no user data, but the URL may hold a password: log the type only.
            (e) =>
              app.log.error(
                { err: { type: (e as Error).name, code: (e as { code?: string }).code } },
                'redis',
              ),
          );
  } catch (e) {
    if (options.db === undefined) await db.destroy();
    throw e;
  }
  app.addHook('onClose', async () => cluster.close());

  const signature = await serverSignature();
  const serverSetup = await opaqueServerSetup(db);
  const transparency = new TransparencyLog(db, await transparencyKey(db));

  const hub = new Hub({
    db,
    cluster,
    signature,
    metrics,
    log: app.log,
    frameBytes: config.limits.frameBytes,
    framesPerSecond: config.limits.messagesPerSecond,
    framesInFlight: config.limits.framesInFlight,
    authTimeoutMs: config.limits.authTimeoutMs,
    rateLimitedCloseAfter: config.limits.rateLimitedCloseAfter,
    connectionLimits: config.limits,
    clientAddress: clientAddressOf(trust),
  });
  // Written before the database closes (onClose hooks run after the hub's connections closed).
  const seen = new SeenWrites(db, (e) =>
    app.log.error({ err: { type: (e as Error).name } }, 'writing last-seen times failed'),
  );
  app.addHook('onClose', async () => seen.flush());
  await httpRoutes(app, { db, config, serverSetup, signature, metrics, cluster, hub, seen });
  await app.register(transparencyRoutes, { db, config, transparency });
  keyDirectory(hub, { db, metrics, transparency });
  transparencyFrames(hub, transparency);
  goneFrames(hub, db);
  const presenceService = presence(hub, { db, cluster, seen });
  recordDeviceSeen(hub, seen);
  transferTickets(hub, db);
  blocks(hub, db, presenceService);
  groups(hub, { db, metrics, cluster, limits: config.limits, joined: presenceService.joined });
  app.server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head));
  // Without a trusted proxy the TCP peer is the client: hold a refused address's connections.
  const tarpit =
    trust === false &&
    tarpitRefused(app.server, (a) => hub.refuses(a), {
      holdMs: config.limits.headersTimeoutMs,
      perAddress: config.limits.unauthenticatedPerAddress,
    });
  app.addHook('preClose', async () => {
    if (tarpit) tarpit.close();
    await hub.close();
  });
  registerQueueDepth(metrics, () => queueDepth(db));
  const web = await webApp(app, config.webRoot ?? DEFAULT_WEB_ROOT, config.publicUrl);
  startJobs(app, { db, hub, config, metrics });

  return {
    app,
    hub,
    db,
    cluster,
    metrics,
    config,
    transparency,
    web,
    async close() {
      await app.close();
      if (options.db === undefined) await db.destroy();
    },
  };
}

/** Messages stored and not yet acknowledged by their recipient devices, over every group. */
async function queueDepth(db: Db): Promise<number> {
  const row = await db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.group_id', 'group_members.group_id')
    .select(sql<number>`coalesce(sum(groups.next_seq - 1 - group_members.acked_seq), 0)`.as('depth'))
    .where('group_members.removed_seq', 'is', null)
    .executeTakeFirst();
  return Number(row?.depth ?? 0);
}
