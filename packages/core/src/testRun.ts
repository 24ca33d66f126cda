/** Whether this process is a test run (vitest, or NODE_ENV=test): what `unsafeTesting…` options require. */
export function isTestRun(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.VITEST !== undefined || env?.NODE_ENV === 'test';
}
