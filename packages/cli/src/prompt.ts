/** Asking for secrets: on the terminal without echo, or from an environment variable (scripts, tests). */
import { read } from 'read';
import { CliError } from './errors.js';

/** Ask on the terminal (without echo unless `visible`), or take `envName` when it is set. */
export async function askSecret(
  prompt: string,
  envName = 'PARLEY_PASSWORD',
  visible = false,
): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY)
    throw new CliError(`${prompt.replace(/:\s*$/, '')} needed: set ${envName} or run in a terminal`);
  const answer = await read({ prompt, silent: !visible });
  if (!visible) process.stdout.write('\n'); // the Enter was not echoed either
  return answer;
}
