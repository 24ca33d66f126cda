/**
 * Server configuration: defaults, then an optional JSON file, then environment variables, then
 * command-line flags (each overriding the one before). Every value is validated; a bad one stops
 * the server with a message naming it.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, type Limits, limitsFrom } from './config/limits.js';
import { ConfigError, integer, type Raw } from './config/values.js';
import type { LogFormat } from './logFormat.js';

export type { Limits };
export { ConfigError };

export type AccessPolicy = 'open' | 'password' | 'invite';

/** Who may read /metrics: loopback clients (or a token holder), token holders only, or anyone. */
export type MetricsAccess = 'loopback' | 'token' | 'open';

export interface ServerConfig {
  host: string;
  port: number;
  /** Where the SQLite database lives (when no PostgreSQL database is configured). */
  dataDir: string;
  /**
   * A PostgreSQL connection URL (postgres://user:password@host:port/database). When set, the server
   * stores everything there instead of SQLite, and several server processes may share it.
   */
  database?: string;
  /**
   * A Redis URL (redis://host:port or rediss://…). When set, pushes, presence, pending logins and
   * login rate limits are shared with every other node on the same Redis and prefix.
   */
  redis?: string;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  /** TLS: both or neither. */
  tlsCert?: string;
  tlsKey?: string;
  access: AccessPolicy;
  /** Required when access is 'password'. */
  accessPassword?: string;
  /** Days to keep delivered messages before the retention job may delete them. */
  retentionDays: number;
  /** Days a deleted account's name (and its lookalikes) stays reserved (accountDeletion.ts). */
  deletedNameQuarantineDays: number;
  /** How often the sweep deletes expired (disappearing) messages, milliseconds. */
  expirySweepMs: number;
  /**
   * The reverse proxies in front of the server, whose X-Forwarded-For is believed: their addresses
   * or CIDR ranges (or proxy-addr's `loopback`, `linklocal`, `uniquelocal`). No hop count: it cannot
   * tell a proxy from a client that forged the header (Fastify refuses it too). Unset (the
   * default): the header is ignored and the client is the socket's address.
   */
  trustProxy?: string[];
  /** Sizes, rates and caps (config/limits.ts). */
  limits: Limits;
  /**
   * Where attachments' bytes live: `file` (the data directory's blobs/), `database` (the blob_chunks
   * table, which every node of a cluster reaches), or `auto` (database on PostgreSQL, else file).
   */
  attachmentStore: 'auto' | 'file' | 'database';
  /** The largest attachment (encrypted blob) an upload may declare, bytes. */
  maxAttachmentBytes: number;
  /** Bytes of blobs one account may hold at once (complete and in progress), bytes. */
  attachmentQuotaBytes: number;
  /** Log level for pino. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The console log: JSON lines, readable text, or `auto` (text on a terminal, else JSON). */
  logFormat: LogFormat;
  /** Serve the web app from this directory at '/', when it exists. */
  webRoot?: string;
  /**
   * The origin browsers reach this server at (https://chat.example.org), when it is known: the web
   * app's Content-Security-Policy names its WebSocket origin. Never taken from a request's Host.
   */
  publicUrl?: string;
  /** Strict-Transport-Security max-age sent over TLS, seconds; 0 sends none. */
  hstsMaxAgeSeconds: number;
  /** Whether the request log records the client's IP address (never its port). */
  logClientIp: boolean;
  /** /metrics: who may read it; `token` is the bearer token that opens it (never logged). */
  metrics: { access: MetricsAccess; token?: string };
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: '.parley-data',
  redisPrefix: 'parley:',
  access: 'open',
  retentionDays: 30,
  deletedNameQuarantineDays: 30,
  expirySweepMs: 60_000,
  limits: DEFAULT_LIMITS,
  attachmentStore: 'auto',
  maxAttachmentBytes: 100 * 1024 * 1024,
  attachmentQuotaBytes: 1024 * 1024 * 1024,
  logLevel: 'info',
  logFormat: 'auto',
  hstsMaxAgeSeconds: 365 * 24 * 60 * 60,
  logClientIp: false,
  metrics: { access: 'loopback' },
};

const ENV: Record<string, string> = {
  PORT: 'port',
  HOST: 'host',
  PARLEY_DATA_DIR: 'dataDir',
  DATABASE_URL: 'database',
  REDIS_URL: 'redis',
  PARLEY_REDIS_PREFIX: 'redisPrefix',
  PARLEY_TLS_CERT: 'tlsCert',
  PARLEY_TLS_KEY: 'tlsKey',
  PARLEY_ACCESS: 'access',
  PARLEY_ACCESS_PASSWORD: 'accessPassword',
  PARLEY_RETENTION_DAYS: 'retentionDays',
  PARLEY_DELETED_NAME_QUARANTINE_DAYS: 'deletedNameQuarantineDays',
  PARLEY_EXPIRY_SWEEP_MS: 'expirySweepMs',
  PARLEY_TRUST_PROXY: 'trustProxy',
  PARLEY_LOG_LEVEL: 'logLevel',
  PARLEY_LOG_FORMAT: 'logFormat',
  PARLEY_WEB_ROOT: 'webRoot',
  PARLEY_PUBLIC_URL: 'publicUrl',
  PARLEY_HSTS_MAX_AGE: 'hstsMaxAgeSeconds',
  PARLEY_LOG_CLIENT_IP: 'logClientIp',
  PARLEY_METRICS_ACCESS: 'metrics.access',
  PARLEY_METRICS_TOKEN: 'metrics.token',
  PARLEY_ATTACHMENT_STORE: 'attachmentStore',
  PARLEY_MAX_ATTACHMENT_BYTES: 'maxAttachmentBytes',
  PARLEY_ATTACHMENT_QUOTA_BYTES: 'attachmentQuotaBytes',
};

/** The environment variables the configuration reads (besides PARLEY_CONFIG, the file's path). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(ENV);

const FLAGS: Record<string, string> = {
  '--port': 'port',
  '--host': 'host',
  '--data-dir': 'dataDir',
  '--database': 'database',
  '--redis': 'redis',
  '--redis-prefix': 'redisPrefix',
  '--tls-cert': 'tlsCert',
  '--tls-key': 'tlsKey',
  '--access': 'access',
  '--access-password': 'accessPassword',
  '--retention-days': 'retentionDays',
  '--deleted-name-quarantine-days': 'deletedNameQuarantineDays',
  '--expiry-sweep-ms': 'expirySweepMs',
  '--trust-proxy': 'trustProxy',
  '--log-level': 'logLevel',
  '--log-format': 'logFormat',
  '--web-root': 'webRoot',
  '--public-url': 'publicUrl',
  '--hsts-max-age': 'hstsMaxAgeSeconds',
  '--log-client-ip': 'logClientIp',
  '--metrics-access': 'metrics.access',
  '--metrics-token': 'metrics.token',
  '--attachment-store': 'attachmentStore',
  '--max-attachment-bytes': 'maxAttachmentBytes',
  '--attachment-quota-bytes': 'attachmentQuotaBytes',
};

/** Set `key` in `raw`; a dotted key ('metrics.access') sets a field of a nested object. */
function assign(raw: Raw, key: string, value: unknown): void {
  const [outer, inner] = key.split('.') as [string, string | undefined];
  if (inner === undefined) raw[outer] = value;
  else raw[outer] = { ...(raw[outer] as Raw | undefined), [inner]: value };
}

/** A URL with one of the given schemes; the message never repeats it (it may hold a password). */
function url(name: string, v: unknown, schemes: string[]): string {
  if (typeof v !== 'string' || v.length > 2048) throw new ConfigError(`${name} must be a URL`);
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(`${name} must be a URL`);
  }
  if (!schemes.includes(parsed.protocol))
    throw new ConfigError(`${name} must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL`);
  return v;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address, a CIDR range or a proxy-addr range name. */
function proxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** trustProxy: addresses and ranges (a list, or one string separated by commas). */
function trustProxy(v: unknown): string[] {
  const message = "trustProxy must be the proxies' addresses or CIDR ranges, separated by commas";
  const entries = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(entries) || entries.length === 0) throw new ConfigError(message);
  const out = entries.map((e) => (typeof e === 'string' ? e.trim() : ''));
  if (!out.every(proxyAddress)) throw new ConfigError(message);
  return out;
}

function boolean(name: string, v: unknown): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new ConfigError(`${name} must be true or false`);
}

/** The metrics settings; the message never repeats the token. */
function metricsSettings(v: unknown, base: ServerConfig['metrics']): ServerConfig['metrics'] {
  if (typeof v !== 'object' || v === null) throw new ConfigError('metrics must be an object');
  const m = v as Raw;
  const out = { ...base };
  for (const key of Object.keys(m))
    if (key !== 'access' && key !== 'token') throw new ConfigError(`unknown setting metrics.${key}`);
  if (m.access !== undefined) {
    if (m.access !== 'loopback' && m.access !== 'token' && m.access !== 'open')
      throw new ConfigError('metrics.access must be loopback, token or open');
    out.access = m.access;
  }
  if (m.token !== undefined) {
    if (typeof m.token !== 'string' || !/^[\x21-\x7e]{16,256}$/.test(m.token))
      throw new ConfigError('metrics.token must be 16 to 256 printable ASCII characters without spaces');
    out.token = m.token;
  }
  return out;
}

function validate(raw: Raw, base: ServerConfig): ServerConfig {
  const out: ServerConfig = { ...base, limits: { ...base.limits }, metrics: { ...base.metrics } };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    switch (key) {
      case 'host':
      case 'dataDir':
      case 'tlsCert':
      case 'tlsKey':
      case 'accessPassword':
      case 'webRoot':
        if (typeof value !== 'string' || value.length === 0)
          throw new ConfigError(`${key} must be a non-empty string`);
        out[key] = value;
        break;
      case 'database':
        out.database = url(key, value, ['postgres:', 'postgresql:']);
        break;
      case 'redis':
        out.redis = url(key, value, ['redis:', 'rediss:']);
        break;
      case 'publicUrl':
        out.publicUrl = new URL(url(key, value, ['http:', 'https:'])).origin;
        break;
      case 'hstsMaxAgeSeconds':
        out.hstsMaxAgeSeconds = integer(key, value, 0, 2 * 365 * 24 * 60 * 60);
        break;
      case 'logClientIp':
        out.logClientIp = boolean(key, value);
        break;
      case 'metrics':
        out.metrics = metricsSettings(value, out.metrics);
        break;
      case 'redisPrefix':
        if (typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value))
          throw new ConfigError('redisPrefix must be 1 to 64 letters, digits or _ . : -');
        out.redisPrefix = value;
        break;
      case 'port':
        out.port = integer('port', value, 0, 65535);
        break;
      case 'retentionDays':
        out.retentionDays = integer('retentionDays', value, 1, 3650);
        break;
      case 'deletedNameQuarantineDays':
        out.deletedNameQuarantineDays = integer('deletedNameQuarantineDays', value, 0, 3650);
        break;
      case 'expirySweepMs':
        out.expirySweepMs = integer('expirySweepMs', value, 10, 3_600_000);
        break;
      case 'trustProxy':
        out.trustProxy = trustProxy(value);
        break;
      case 'access':
        if (value !== 'open' && value !== 'password' && value !== 'invite') {
          throw new ConfigError('access must be open, password or invite');
        }
        out.access = value;
        break;
      case 'logLevel':
        if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(String(value))) {
          throw new ConfigError('logLevel must be a pino level');
        }
        out.logLevel = value as ServerConfig['logLevel'];
        break;
      case 'logFormat':
        if (value !== 'auto' && value !== 'text' && value !== 'json')
          throw new ConfigError('logFormat must be auto, text or json');
        out.logFormat = value;
        break;
      case 'limits':
        out.limits = limitsFrom(value, out.limits);
        break;
      case 'attachmentStore':
        if (value !== 'auto' && value !== 'file' && value !== 'database')
          throw new ConfigError('attachmentStore must be auto, file or database');
        out.attachmentStore = value;
        break;
      case 'maxAttachmentBytes':
      case 'attachmentQuotaBytes':
        out[key] = integer(key, value, 1, Number.MAX_SAFE_INTEGER);
        break;
      default:
        throw new ConfigError(`unknown setting ${key}`);
    }
  }
  if (out.access === 'password' && !out.accessPassword) {
    throw new ConfigError(
      'access "password" needs an access password (PARLEY_ACCESS_PASSWORD or --access-password)',
    );
  }
  if (out.metrics.access === 'token' && out.metrics.token === undefined) {
    throw new ConfigError(
      'metrics access "token" needs a metrics token (PARLEY_METRICS_TOKEN or --metrics-token)',
    );
  }
  if ((out.tlsCert === undefined) !== (out.tlsKey === undefined)) {
    throw new ConfigError('TLS needs both a certificate and a key');
  }
  return out;
}

/** The command line's flags (node:util parseArgs): every --flag of FLAGS, --config, and `extra` ones. */
export function parseFlags(
  argv: string[],
  extra: Record<string, { type: 'string' }> = {},
): { flags: Raw; configFile: string | undefined; extra: Record<string, string | undefined> } {
  const options: Record<string, { type: 'string' }> = { config: { type: 'string' }, ...extra };
  for (const flag of Object.keys(FLAGS)) options[flag.slice(2)] = { type: 'string' };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    // parseArgs's own messages name the option ("Unknown option '--x'"); ours start lower-case.
    const message = (e as Error).message.replace(/^./, (c) => c.toLowerCase());
    if (code?.startsWith('ERR_PARSE_ARGS_')) throw new ConfigError(message);
    throw e;
  }
  const flags: Raw = {};
  for (const [flag, key] of Object.entries(FLAGS))
    if (values[flag.slice(2)] !== undefined) assign(flags, key, values[flag.slice(2)]);
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.keys(extra)) picked[name] = values[name] as string | undefined;
  return { flags, configFile: values.config as string | undefined, extra: picked };
}

/** Build the configuration from a file (--config or PARLEY_CONFIG), the environment and flags. */
export function loadConfig(argv: string[] = [], env: NodeJS.ProcessEnv = {}): ServerConfig {
  const parsed = parseFlags(argv);
  return configFrom(parsed.flags, parsed.configFile ?? env.PARLEY_CONFIG, env);
}

/** The configuration from defaults, a JSON file, the environment, then flags (each over the one before). */
export function configFrom(flags: Raw, configFile: string | undefined, env: NodeJS.ProcessEnv): ServerConfig {
  let config = DEFAULT_CONFIG;
  if (configFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null)
      throw new ConfigError('config file must hold a JSON object');
    config = validate(parsed as Raw, config);
  }
  const fromEnv: Raw = {};
  for (const [variable, key] of Object.entries(ENV))
    if (env[variable] !== undefined) assign(fromEnv, key, env[variable]);
  config = validate(fromEnv, config);
  config = validate(flags, config);
  return { ...config, dataDir: resolve(config.dataDir) };
}
