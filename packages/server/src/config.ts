/**
 * Server configuration: defaults, then an optional JSON file, then environment variables, then
 * command-line flags (each overriding the one before). Every value is validated; a bad one stops
 * the server with a message naming it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ParleyError } from '@parley/core';

export type AccessPolicy = 'open' | 'password' | 'invite';

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
  limits: {
    /** Largest HTTP body, bytes. */
    httpBodyBytes: number;
    /** Largest WebSocket frame, bytes. */
    frameBytes: number;
    /** Login attempts allowed per account and per IP address per minute. */
    loginsPerMinute: number;
    /** Messages a device may post per second (sustained; bursts up to 10x). */
    messagesPerSecond: number;
    /**
     * Frames one connection may have received and not yet had answered; past this the server stops
     * reading the connection until answers go out (backpressure on pipelined sends).
     */
    framesInFlight: number;
    /**
     * A connection with more frames than this refused over its rate limit (`rate_limited`) within
     * 10 seconds keeps flooding, and is closed (4429).
     */
    rateLimitedCloseAfter: number;
    /** A WebSocket must authenticate within this many milliseconds or is closed. */
    authTimeoutMs: number;
    /** An HTTP request's headers must arrive within this many milliseconds (slowloris). */
    headersTimeoutMs: number;
  };
  /** Log level for pino. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Serve the web app from this directory at '/', when it exists. */
  webRoot?: string;
}

/** A setting that is not acceptable (its message names it, for the person running the server). */
export class ConfigError extends ParleyError {
  constructor(message: string) {
    super('invalid_config', message);
  }
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: '.parley-data',
  redisPrefix: 'parley:',
  access: 'open',
  retentionDays: 30,
  limits: {
    httpBodyBytes: 1024 * 1024,
    frameBytes: 1024 * 1024,
    loginsPerMinute: 10,
    messagesPerSecond: 50,
    framesInFlight: 64,
    rateLimitedCloseAfter: 100,
    authTimeoutMs: 10_000,
    headersTimeoutMs: 10_000,
  },
  logLevel: 'info',
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
  PARLEY_LOG_LEVEL: 'logLevel',
  PARLEY_WEB_ROOT: 'webRoot',
};

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
  '--log-level': 'logLevel',
  '--web-root': 'webRoot',
};

type Raw = Record<string, unknown>;

function integer(name: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}`);
  }
  return n;
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

function validate(raw: Raw, base: ServerConfig): ServerConfig {
  const out: ServerConfig = { ...base, limits: { ...base.limits } };
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
      case 'limits': {
        if (typeof value !== 'object' || value === null) throw new ConfigError('limits must be an object');
        const l = value as Raw;
        if (l.httpBodyBytes !== undefined)
          out.limits.httpBodyBytes = integer('limits.httpBodyBytes', l.httpBodyBytes, 1024, 64 * 1024 * 1024);
        if (l.frameBytes !== undefined)
          out.limits.frameBytes = integer('limits.frameBytes', l.frameBytes, 1024, 64 * 1024 * 1024);
        if (l.loginsPerMinute !== undefined)
          out.limits.loginsPerMinute = integer('limits.loginsPerMinute', l.loginsPerMinute, 1, 10000);
        if (l.authTimeoutMs !== undefined)
          out.limits.authTimeoutMs = integer('limits.authTimeoutMs', l.authTimeoutMs, 100, 600_000);
        if (l.headersTimeoutMs !== undefined)
          out.limits.headersTimeoutMs = integer('limits.headersTimeoutMs', l.headersTimeoutMs, 100, 600_000);
        if (l.framesInFlight !== undefined)
          out.limits.framesInFlight = integer('limits.framesInFlight', l.framesInFlight, 1, 1024);
        if (l.rateLimitedCloseAfter !== undefined)
          out.limits.rateLimitedCloseAfter = integer(
            'limits.rateLimitedCloseAfter',
            l.rateLimitedCloseAfter,
            1,
            1_000_000,
          );
        if (l.messagesPerSecond !== undefined)
          out.limits.messagesPerSecond = integer('limits.messagesPerSecond', l.messagesPerSecond, 1, 100000);
        break;
      }
      default:
        throw new ConfigError(`unknown setting ${key}`);
    }
  }
  if (out.access === 'password' && !out.accessPassword) {
    throw new ConfigError(
      'access "password" needs an access password (PARLEY_ACCESS_PASSWORD or --access-password)',
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
    if (values[flag.slice(2)] !== undefined) flags[key] = values[flag.slice(2)];
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
    if (env[variable] !== undefined) fromEnv[key] = env[variable];
  config = validate(fromEnv, config);
  config = validate(flags, config);
  return { ...config, dataDir: resolve(config.dataDir) };
}
