/**
 * Vitest's file order for a fresh clone. Vitest starts the files that took longest in its cached
 * results first; a fresh clone (CI) has no cache, so it goes by file size, and a slow small file
 * (the CLI's, each test a dozen `parley` processes) could start last and run alone at the end.
 * These files start first, slowest first: the durations measured in a fresh-clone CI run (seconds,
 * three files at a time on two cores). The others follow in vitest's own order.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const MEASURED_SECONDS: Readonly<Record<string, number>> = {
  'packages/cli/test/people.test.ts': 363,
  'packages/cli/test/files.test.ts': 180,
  'packages/cli/test/cli.test.ts': 146,
  'packages/core/test/vectors/treekem.test.ts': 142,
  'packages/server/test/delivery.test.ts': 137,
  'packages/server/test/socketFuzz.test.ts': 125,
  'packages/client/test/multiNode.test.ts': 121,
  'packages/cli/test/annotate.test.ts': 110,
  'packages/cli/test/historyTransfer.test.ts': 108,
  'packages/web/test/web.test.ts': 102,
  'packages/web/test/attachments.test.ts': 100,
};

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const seconds = (f: TestSpecification) =>
      MEASURED_SECONDS[relative(this.ctx.config.root, f.moduleId).split('\\').join('/')] ?? 0;
    // Array.prototype.sort is stable: the unlisted files keep vitest's order.
    return base.sort((a, b) => seconds(b) - seconds(a));
  }
}
