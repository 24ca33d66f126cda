/**
 * The /members panel of `parley chat`. What changes in a conversation (who joined or left, a new
 * name, a timer) is a system line of its history (the SDK's), shown in its place among the messages.
 */
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
