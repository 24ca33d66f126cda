/**
 * What a person means by a name on the command line: a group of that name (case-insensitive), or a
 * person, whose username is put in core's canonical form (so `Straße` is the account `strasse`).
 */
import { type ConversationSummary, errorText, type ParleyClient } from '@parley/client';
import { canonicalUsername } from '@parley/core';
import { CliError } from './errors.js';
import { type Output, processOutput } from './output.js';

/** A username as typed, in canonical form; an invalid one is the person's mistake. */
export function username(typed: string): string {
  try {
    return canonicalUsername(typed);
  } catch (e) {
    throw new CliError(`${typed}: ${errorText(e, { brief: true })}`, { cause: e });
  }
}

/** The open group called `name`, if there is one. */
export function groupNamed(client: ParleyClient, name: string): string | undefined {
  const folded = name.toLowerCase();
  return client.conversationList().find((c) => !c.ended && c.name?.toLowerCase() === folded)?.id;
}

/** The conversation `to` names that this device already has: a group, or a one-to-one chat. */
export function knownConversation(client: ParleyClient, to: string): string | undefined {
  const group = groupNamed(client, to);
  if (group !== undefined) return group;
  try {
    return client.conversationWith(canonicalUsername(to));
  } catch {
    return undefined; // not a username either
  }
}

/** Why this device can no longer write to the group called `name`, if it was in one of that name. */
function endedGroup(client: ParleyClient, name: string): string | undefined {
  const folded = name.toLowerCase();
  const ended = client.conversationList().find((c) => c.ended && c.name?.toLowerCase() === folded);
  if (ended === undefined) return undefined;
  return ended.removedBy === undefined
    ? `you are no longer in ${ended.name}`
    : `you were removed from ${ended.name} by ${ended.removedBy}`;
}

/**
 * The conversation a script means by `to`: a group with that name, or a one-to-one chat (started
 * if new; with `postQuantum`, in the X-Wing suite, which an existing conversation must already use).
 */
export async function conversationNamed(
  client: ParleyClient,
  to: string,
  options: { postQuantum?: boolean } = {},
): Promise<string> {
  const group = groupNamed(client, to);
  if (group !== undefined) return keepsSuite(client, group, to, options);
  const ended = endedGroup(client, to);
  if (ended !== undefined) throw new CliError(ended);
  const existing = isUsername(to) ? client.conversationWith(canonicalUsername(to)) : undefined;
  if (existing !== undefined) return keepsSuite(client, existing, to, options);
  try {
    return await client.directConversation(canonicalUsername(to), options);
  } catch (e) {
    throw new CliError(`cannot start a conversation with ${to}: ${errorText(e, { brief: true })}`, {
      cause: e,
    });
  }
}

/** A conversation asked for as post-quantum must be one already: its suite never changes. */
function keepsSuite(
  client: ParleyClient,
  id: string,
  to: string,
  options: { postQuantum?: boolean },
): string {
  if (options.postQuantum === true && client.conversation(id)?.suite?.postQuantum !== true)
    throw new CliError(
      `your conversation with ${to} is not post-quantum; a conversation keeps the encryption it was started with`,
    );
  return id;
}

/** Whether `name` is a valid username (else it names no one-to-one chat). */
function isUsername(name: string): boolean {
  try {
    canonicalUsername(name);
    return true;
  } catch {
    return false;
  }
}

/** Warn on stderr that a contact's identity key changed, and what to do about it. */
export function warnIdentityChange(who: string, output: Output = processOutput): void {
  output.err(
    `parley: warning: ${who}'s identity key changed; what you send to conversations with ${who}, and what ${who} sends with the new key, is held. ` +
      `Compare safety numbers (parley verify ${who}) before trusting it (in parley chat: /accept ${who}).\n`,
  );
}

/** A conversation's title: a group's name, or the other people. */
export function titleOf(c: ConversationSummary, me: string): string {
  if (c.name !== null) return c.name;
  const others = c.members.filter((m) => m !== me);
  return others.length > 0 ? others.join(', ') : '(only you)';
}
