export { createInvites } from './accounts.js';
export { buildServer, type ParleyServer, SERVER_VERSION } from './app.js';
export { type Cluster, LocalCluster, RedisCluster } from './cluster.js';
export { type AccessPolicy, ConfigError, DEFAULT_CONFIG, loadConfig, type ServerConfig } from './config.js';
export { type Db, openDatabase, openPostgres, openSqlite } from './db.js';
export type { ApiErrorCode, ErrorBody } from './errors.js';
export { runRetention } from './retention.js';
export { runServerCommand } from './serverCommand.js';
export { appendIdentityReset, appendKeyEvent } from './transparency/append.js';
