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

/**
 * A new password, typed twice on a terminal (a typo would lock the person out of the account), or
 * taken from PARLEY_PASSWORD; `check` refuses one that does not fit the rules before the repeat.
 */
export async function askNewPassword(check: (password: string) => void): Promise<string> {
  const password = await askSecret('Password: ');
  check(password);
  if (process.env.PARLEY_PASSWORD !== undefined) return password;
  const again = await askSecret('Repeat the password: ');
  if (again !== password) throw new CliError('the two passwords differ; nothing was created');
  return password;
}
