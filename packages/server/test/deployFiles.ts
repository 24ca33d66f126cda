/**
 * Reading the deployment files as a container engine would, for the tests that check them without
 * one: the Dockerfile's instructions by stage, and a compose file with compose's `${…}` interpolation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_DIR } from '@parley/testing';
import { parse } from 'yaml';

export const REPO_DIR = join(DEPLOY_DIR, '..');

export interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's stages (from each FROM), instructions with continuation lines joined. */
export function dockerfileStages(path = join(REPO_DIR, 'Dockerfile')): Instruction[][] {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [[]];
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    if (m[1] === 'FROM') stages.push([]);
    stages.at(-1)!.push({ op: m[1]!, args: m[2]!.replace(/\s+/g, ' ').trim() });
  }
  return stages;
}

/** The variables a stage's ENV instructions set (`ENV A=1 B=2` form). */
export function stageEnv(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { op, args } of stage)
    if (op === 'ENV')
      for (const pair of args.split(' ')) {
        const [name, value] = pair.split('=') as [string, string];
        env[name] = value;
      }
  return env;
}

/** The one argument of a stage's instruction `op` (the last one given). */
export function stageArg(stage: Instruction[], op: string): string | undefined {
  return stage.filter((i) => i.op === op).at(-1)?.args;
}

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $$. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z0-9_]+)(?:(:?[-?])([^}]*))?\}/g,
    (match, name: string, op: string | undefined, arg: string) => {
      if (match === '$$') return '$';
      const v = env[name];
      const unset = v === undefined || (op?.startsWith(':') === true && v === '');
      if (op === undefined) return v ?? '';
      if (op.endsWith('-')) return unset ? arg : v!;
      if (unset) throw new Error(`${name}: ${arg}`);
      return v!;
    },
  );
}

function interpolated(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolated(n, env));
  if (node !== null && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolated(v, env)]));
  return node;
}

export interface ComposeService {
  image?: string;
  build?: { context: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  networks?: string[] | Record<string, { ipv4_address?: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { ipam?: { config: Array<{ subnet: string }> } }>;
}

/** deploy/<name> parsed (YAML merge keys and anchors as compose reads them) and interpolated from `env`. */
export function composeFile(name: string, env: Record<string, string | undefined>): ComposeFile {
  const doc = parse(readFileSync(join(DEPLOY_DIR, name), 'utf8'), { merge: true }) as unknown;
  return interpolated(doc, env) as ComposeFile;
}
