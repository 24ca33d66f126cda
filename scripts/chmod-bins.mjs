// After a build: make the packages' command-line entry points executable (npm links them at
// install time, before dist/ exists, so it cannot set the bit itself on a fresh clone).
import { chmodSync, readFileSync } from 'node:fs';

for (const pkg of ['packages/server', 'packages/cli']) {
  const { bin } = JSON.parse(readFileSync(`${pkg}/package.json`, 'utf8'));
  for (const file of Object.values(bin ?? {})) chmodSync(`${pkg}/${file}`, 0o755);
}
