/**
 * Vitest's file order for a fresh clone. Vitest starts the files that took longest in its cached
 * results first; a fresh clone (CI) has no cache, so it goes by file size, and a slow small file
 * (the CLI's, each test a dozen `parley` processes) could start last and run alone at the end.
 * These files start first, slowest first: every file that took 35 s or more in a whole-suite run
 * (seconds, three files at a time on two cores), so that no long one (the core's vector files, a
 * single-test chaos or fuzzing file) starts near the end. The others follow in vitest's own order.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const MEASURED_SECONDS: Readonly<Record<string, number>> = {
  'packages/core/test/vectors/treekem.test.ts': 218,
  'packages/cli/test/people.test.ts': 129,
  'packages/server/test/socketFuzz.test.ts': 113,
  'packages/client/test/chaos.test.ts': 107,
  'packages/server/test/caps.test.ts': 97,
  'packages/server/test/delivery.test.ts': 88,
  'packages/web/test/web.test.ts': 87,
  'packages/server/test/verifiedHandshakes.test.ts': 86,
  'packages/web/test/accessibility.test.ts': 86,
  'packages/web/test/attachments.test.ts': 85,
  'packages/cli/test/chat.test.ts': 80,
  'packages/cli/test/cli.test.ts': 78,
  'packages/client/test/reset.test.ts': 77,
  'packages/server/test/moderation.test.ts': 74,
  'packages/cli/test/handOff.test.ts': 74,
  'packages/client/test/multiNode.test.ts': 72,
  'packages/cli/test/files.test.ts': 72,
  'packages/cli/test/disappearing.test.ts': 72,
  'packages/cli/test/backup.test.ts': 64,
  'packages/core/test/vectors/passive-client-handling-commit.test.ts': 63,
  'packages/web/test/cliRoundTrip.test.ts': 63,
  'packages/client/test/adversarial.test.ts': 63,
  'packages/cli/test/packed.test.ts': 62,
  'packages/client/test/catchUp.test.ts': 60,
  'packages/cli/test/operatorDelete.test.ts': 57,
  'packages/web/test/account.test.ts': 56,
  'packages/client/test/conversations.test.ts': 56,
  'packages/cli/test/safety.test.ts': 56,
  'packages/client/test/attachments.test.ts': 51,
  'packages/cli/test/postQuantum.test.ts': 48,
  'packages/cli/test/accountDelete.test.ts': 46,
  'packages/server/test/goneMembers.test.ts': 45,
  'packages/cli/test/historyTransfer.test.ts': 44,
  'packages/cli/test/annotate.test.ts': 44,
  'packages/web/test/newDevice.test.ts': 43,
  'packages/server/test/paging.test.ts': 43,
  'packages/core/test/vectors/passive-client-welcome.test.ts': 42,
  'packages/core/test/vectors/tree-validation.test.ts': 40,
  'packages/client/test/goneMembers.test.ts': 39,
  'packages/server/test/adversarial.test.ts': 36,
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
