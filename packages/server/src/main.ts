#!/usr/bin/env node
import { ConfigError } from './config.js';
import { runServerCommand } from './serverCommand.js';

runServerCommand(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(
    `parley-server: ${e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(e instanceof ConfigError ? 2 : 1);
});
