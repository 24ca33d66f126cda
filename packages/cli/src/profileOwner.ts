/**
 * One process owns a profile's MLS state at a time. The owner is named in `owner.json` in the
 * profile (created exclusively, removed when the process ends); a file left by a process that
 * died is taken over. Two writers of one group state would diverge (`state_lost`,
 * `replayed_message`), so a second process either hands its command to the owner (handOff.ts),
 * waits for a short one-shot command to end, or refuses, naming the owner.
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Owner {
  pid: number;
  /** The command that owns it (`chat`, `send`, …). */
  command: string;
  since: number;
  /** Whether the owner takes commands handed to it (parley chat does). */
  handOff: boolean;
}

const FILE = 'owner.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** The live process owning the profile in `dir`, if any (a dead owner's file does not count). */
export function currentOwner(dir: string): Owner | undefined {
  const file = join(dir, FILE);
  try {
    if (statSync(file).size > 4096) return undefined;
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<Owner>;
    if (typeof o.pid !== 'number' || typeof o.command !== 'string') return undefined;
    if (!alive(o.pid)) return undefined;
    return { pid: o.pid, command: o.command, since: Number(o.since), handOff: o.handOff === true };
  } catch {
    return undefined;
  }
}

/**
 * Own the profile in `dir` for this process: a release function, or the live owner that has it.
 * The claim is also released when the process exits.
 */
export function claimProfile(dir: string, command: string, handOff: boolean): (() => void) | Owner {
  const file = join(dir, FILE);
  const me: Owner = { pid: process.pid, command, since: Date.now(), handOff };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      const owner = currentOwner(dir);
      if (owner !== undefined) return owner;
      // Left by a process that ended without removing it: take it over (once).
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first; the next attempt sees its claim
      }
      continue;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      if (currentOwner(dir)?.pid === process.pid) unlinkSync(file);
    };
    process.on('exit', release);
    return release;
  }
  return currentOwner(dir) ?? { ...me, pid: -1, command: 'another parley' };
}
