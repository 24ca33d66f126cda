#!/usr/bin/env node
/**
 * Type-check TypeScript projects that `tsc -b` does not build (the test folders, the web app), as
 * many at a time as the machine has cores: each is its own `tsc -p` process, mostly reading the
 * same declarations, so one after another they kept a core idle.
 *
 *   node scripts/typecheck.mjs <project folder>...
 *
 * Prints each project's output after it ends and exits 1 if any failed.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const projects = process.argv.slice(2);
if (projects.length === 0) {
  console.error('usage: node scripts/typecheck.mjs <project folder>...');
  process.exit(2);
}

/** `tsc -p project`: its exit code and everything it printed. */
function check(project) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ project, code: code ?? 1, output }));
  });
}

const queue = [...projects];
let failed = false;
async function worker() {
  for (let project = queue.shift(); project !== undefined; project = queue.shift()) {
    const { code, output } = await check(project);
    if (output.length > 0) process.stdout.write(output);
    if (code !== 0) {
      failed = true;
      console.error(`tsc -p ${project}: exit ${code}`);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(availableParallelism(), projects.length) }, worker));
process.exit(failed ? 1 : 0);
