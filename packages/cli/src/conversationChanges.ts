/**
 * What changed in a conversation between two of its summaries, as the system lines `parley chat`
 * shows in it for this session: a new name. Who joined or left is a line of the history itself
 * (the SDK's system lines), shown in its place among the messages.
 */
import type { ConversationSummary } from '@parley/client';

export function conversationChanges(
  before: ConversationSummary | undefined,
  after: ConversationSummary | undefined,
): string[] {
  if (before === undefined || after === undefined || after.ended) return [];
  const lines: string[] = [];
  // A first name (learnt on joining) is not a rename.
  if (before.name !== null && after.name !== null && before.name !== after.name)
    lines.push(`the group was renamed “${after.name}”`);
  return lines;
}

/** The lines of the /members panel: each member, online or not, verified or not, you first. */
export function memberLines(
  title: string,
  members: readonly string[],
  me: string,
  online: ReadonlySet<string>,
  verified: ReadonlySet<string>,
): string[] {
  const others = members.filter((m) => m !== me).sort();
  return [
    `Members of ${title} (${members.length})`,
    '',
    `  ● ${me} (you)`,
    ...others.map(
      (m) => `  ${online.has(m) ? '●' : '○'} ${m}${verified.has(m) ? ' · verified' : ' · not verified'}`,
    ),
  ];
}
