/**
 * What changed in a conversation between two of its summaries, as the system lines `parley chat`
 * shows in it: who joined, who is no longer in it, a new name.
 */
import type { ConversationSummary } from '@parley/client';

export function conversationChanges(
  before: ConversationSummary | undefined,
  after: ConversationSummary | undefined,
): string[] {
  if (before === undefined || after === undefined || after.ended) return [];
  const lines: string[] = [];
  const was = new Set(before.members);
  const is = new Set(after.members);
  for (const m of after.members) if (!was.has(m)) lines.push(`${m} joined`);
  for (const m of before.members) if (!is.has(m)) lines.push(`${m} is no longer in the conversation`);
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
