/**
 * Test harness for the `parley` command: a real server on loopback, separate `parley` processes
 * with their own PARLEY_HOME, and a real terminal (tmux) for the full-screen chat. Importing it
 * registers an afterAll that stops everything it started.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '@parley/server';
import { type LoopbackServer, startLoopbackServer } from '@parley/testing';
import { afterAll, vi } from 'vitest';

// Each test runs many `parley` processes in turn (each starts Node, logs in and loads its state):
// a loaded machine needs more than the default minute. A bound, not a measurement.
vi.setConfig({ testTimeout: 180_000 });

/**
 * Every `parley` these tests start seals its throwaway profile with cheap scrypt parameters
 * (profileKdf.ts: refused outside a test run); the production ones take most of a second of CPU in
 * each of hundreds of processes. A test sets PARLEY_TEST_WEAK_KDF to '' for the production ones
 * (cli.test.ts checks what a profile gets then).
 */
const TEST_KDF: Env = { PARLEY_TEST_WEAK_KDF: '1' };

export const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dirs: string[] = [];
const stops: Array<() => Promise<void>> = [];
/** One tmux server per test file, on its own socket. */
const socket = `parley-test-${process.pid}`;

afterAll(async () => {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // no tmux server was started
  }
  for (const s of stops.splice(0).reverse()) await s();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export async function startServer(
  options: {
    dataDir?: string;
    port?: number;
    access?: 'open' | 'password';
    accessPassword?: string;
    /** Any other settings (limits, sweeps). */
    config?: Partial<ServerConfig>;
  } = {},
): Promise<LoopbackServer> {
  const running = await startLoopbackServer({
    config: {
      ...(options.access ? { access: options.access } : {}),
      ...(options.accessPassword ? { accessPassword: options.accessPassword } : {}),
      ...options.config,
    },
    dataDir: options.dataDir ?? tempDir('parley-cli-server-'),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  const stop = () => running.stop(true); // the directory is removed with the others
  stops.push(stop);
  return { ...running, stop };
}

export type Env = Record<string, string>;

/** A person on their own machine: a PARLEY_HOME and a password. */
export function someone(name: string, extra: Env = {}): Env {
  return { PARLEY_HOME: tempDir(`parley-home-${name}-`), PARLEY_PASSWORD: `${name}-password-1`, ...extra };
}

/** Register people (each on their own machine) on a server; fails the test if one cannot. */
export async function registered(url: string, ...names: string[]): Promise<Env[]> {
  const people: Env[] = [];
  for (const name of names) {
    const env = someone(name);
    const r = await parley(['register', url, name], env);
    if (r.code !== 0) throw new Error(`parley register ${name} failed: ${r.stderr}`);
    people.push(env);
  }
  return people;
}

/** Run `parley ...` as a separate process, as a person or a script would. */
export function parley(args: string[], env: Env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...TEST_KDF, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `parley read --json`, parsed. */
export async function readJson(env: Env): Promise<Array<Record<string, unknown>>> {
  const r = await parley(['read', '--json'], env);
  if (r.code !== 0) throw new Error(`parley read failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

let tmuxReady = false;
/** Start this file's tmux server with panes that stay after their program exits (to read why). */
function tmuxServer(): void {
  if (tmuxReady) return;
  tmux('new-session', '-d', '-s', 'keeper', 'sleep 3600');
  tmux('set-option', '-g', 'remain-on-exit', 'on');
  tmuxReady = true;
}

/** A program running in a real terminal (a tmux pane), driven by keys and read from the screen. */
export class Terminal {
  private constructor(readonly name: string) {}

  /** Run `parley <args>` in a fresh 110×30 terminal. The password is NOT in the environment. */
  static open(name: string, args: string[], env: Env): Terminal {
    const { PARLEY_PASSWORD: _typedInstead, ...rest } = env;
    const vars = Object.entries({ ...TEST_KDF, ...rest }).map(([k, v]) => `${k}=${v}`);
    const command = ['exec', 'env', ...vars, process.execPath, bin, ...args].map(shellQuote).join(' ');
    tmuxServer();
    tmux('new-session', '-d', '-s', name, '-x', '110', '-y', '30', command);
    return new Terminal(name);
  }

  /** `parley chat` in a fresh terminal, the password typed at its prompt. */
  static async chat(name: string, env: Env): Promise<Terminal> {
    const t = Terminal.open(name, ['chat'], env);
    await t.waitFor('Password:', `${name}'s password prompt`);
    t.type(env.PARLEY_PASSWORD!);
    return t;
  }

  /** Quit `parley chat` with /quit and wait until it has ended. */
  async quit(): Promise<void> {
    this.type('/quit');
    const deadline = Date.now() + 20_000;
    while (!this.exited()) {
      if (Date.now() > deadline)
        throw new Error(`parley chat did not end; the screen shows:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Type text (sent literally), optionally followed by Enter. */
  type(text: string, enter = true): void {
    tmux('send-keys', '-t', this.name, '-l', text);
    if (enter) tmux('send-keys', '-t', this.name, 'Enter');
  }

  key(name: string): void {
    tmux('send-keys', '-t', this.name, name);
  }

  /** Keys and text in one write, as fast as a person typing ahead (tmux names, else literal text). */
  press(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  screen(): string {
    return tmux('capture-pane', '-p', '-t', this.name);
  }

  /** Wait until the screen shows what `check` looks for; fails with the screen if it never does. */
  async waitFor(
    check: string | RegExp | ((screen: string) => boolean),
    what: string,
    ms = 20_000,
  ): Promise<string> {
    const matches = (s: string) =>
      typeof check === 'string' ? s.includes(check) : check instanceof RegExp ? check.test(s) : check(s);
    const deadline = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (matches(s)) return s;
      if (this.exited()) {
        // It may have written its last words between the look above and its exit: look again.
        const last = this.screen();
        if (matches(last)) return last;
        throw new Error(
          `the program in the terminal exited while waiting for ${what}; the screen shows:\n${last}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen shows:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Whether the program in the terminal has ended (its pane stays, showing its last screen). */
  exited(): boolean {
    return tmux('list-panes', '-t', this.name, '-F', '#{pane_dead}').trim() === '1';
  }

  /** The process in the terminal (the pane runs it directly: `exec`). */
  pid(): number {
    return Number(tmux('list-panes', '-t', this.name, '-F', '#{pane_pid}').trim());
  }

  kill(): void {
    try {
      tmux('kill-session', '-t', this.name);
    } catch {
      // already gone
    }
  }
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
