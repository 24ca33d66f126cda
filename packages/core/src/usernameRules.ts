/**
 * Which new usernames may be registered, after Unicode TR39 (UTS #39, Unicode Security
 * Mechanisms), so that no name can pass for another: no invisible characters (Default_Ignorable_
 * Code_Point, format characters, the Hangul fillers), one script per name (§5.2 "Highly
 * Restrictive", over Script_Extensions as §5.1 resolves them), and no stacks of combining marks
 * (§5.4). Lookalikes of existing names (the confusable skeleton, §4) are the server's check, as
 * only it knows the names taken. Applied when an account is created, never to existing names.
 */
import { IdentityError } from './errors.js';
import { canonicalUsername } from './identity.js';

/**
 * Characters that show nothing or almost nothing: Default_Ignorable_Code_Point (joiners, the
 * combining grapheme joiner, variation selectors, the Hangul fillers U+115F U+1160 U+3164 U+FFA0,
 * tags…), format and control characters, spaces, and the blank Braille pattern.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Z}\u115F\u1160\u3164\uFFA0\u2800]/u;

/** Every script of Unicode 16 by its ISO 15924 code; the engine's regexes skip those it predates. */
const SCRIPT_CODES =
  'Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Bhks Bopo Brah Brai Bugi Buhd Cakm ' +
  'Cans Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara ' +
  'Geor Glag Gong Gonm Goth Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp ' +
  'Hung Ital Java Kali Kana Kawi Khar Khmr Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina ' +
  'Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult ' +
  'Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge Osma Ougr Palm Pauc Perm ' +
  'Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sind Sinh Sogd ' +
  'Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo Telu Tfng Tglg Thaa ' +
  'Thai Tibt Tirh Tnsa Todr Tols Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb';

let scriptTests: Array<[string, RegExp]> | undefined;
function scripts(): Array<[string, RegExp]> {
  scriptTests ??= SCRIPT_CODES.split(' ').flatMap((code): Array<[string, RegExp]> => {
    try {
      return [[code, new RegExp(`^\\p{Script_Extensions=${code}}$`, 'u')]];
    } catch {
      return []; // a script newer than this JavaScript engine's Unicode data
    }
  });
  return scriptTests;
}

/** Common and Inherited characters (digits, `.`, combining accents…) go with any script. */
const ANY_SCRIPT = /^[\p{Script_Extensions=Zyyy}\p{Script_Extensions=Zinh}]$/u;

/**
 * TR39 §5.1 augments Han, Hiragana, Katakana, Hangul and Bopomofo with the writing systems that
 * combine them (Jpan, Kore, Hanb); Latin is augmented the same way, which makes a resolved set
 * non-empty exactly for §5.2's Highly Restrictive combinations: one script, or Latin with Han and
 * Hiragana/Katakana, Bopomofo or Hangul.
 */
const AUGMENTED: Record<string, string[]> = {
  Hani: ['Hanb', 'Jpan', 'Kore'],
  Hira: ['Jpan'],
  Kana: ['Jpan'],
  Hang: ['Kore'],
  Bopo: ['Hanb'],
  Latn: ['Jpan', 'Kore', 'Hanb'],
};

/** The augmented Script_Extensions of one character; undefined for Common/Inherited (any script). */
function scriptSet(char: string): Set<string> | undefined {
  if (ANY_SCRIPT.test(char)) return undefined;
  const found = scripts()
    .filter(([, re]) => re.test(char))
    .flatMap(([code]) => [code, ...(AUGMENTED[code] ?? [])]);
  // A script this engine cannot name stands for itself, so it mixes with nothing.
  return new Set(found.length > 0 ? found : [`U+${char.codePointAt(0)!.toString(16)}`]);
}

/** Whether the name's characters resolve to a common script (TR39 §5.1, augmented as above). */
function singleScript(name: string): boolean {
  let resolved: Set<string> | undefined;
  for (const char of name) {
    const set = scriptSet(char);
    if (set === undefined) continue;
    resolved = resolved === undefined ? set : new Set([...resolved].filter((s) => set.has(s)));
    if (resolved.size === 0) return false;
  }
  return true;
}

const NONSPACING_MARK = /\p{Mn}/u;
const MAX_MARKS_IN_A_ROW = 4;

/** TR39 §5.4: the same nonspacing mark twice in a row, or more than four in a row, hide a letter. */
function stackedMarks(name: string): boolean {
  let run = 0;
  let previous = '';
  for (const char of name.normalize('NFD')) {
    if (!NONSPACING_MARK.test(char)) {
      run = 0;
      previous = '';
      continue;
    }
    if (char === previous || ++run > MAX_MARKS_IN_A_ROW) return true;
    previous = char;
  }
  return false;
}

/** Why a (canonical) username may not be registered, in plain words; undefined if it may. */
export function usernameProblem(name: string): string | undefined {
  if (INVISIBLE.test(name))
    return 'usernames cannot contain invisible characters (joiners, variation selectors, fillers or spaces)';
  if (!singleScript(name))
    return 'usernames cannot mix writing systems (such as Latin and Cyrillic letters): use letters of one script';
  if (stackedMarks(name)) return 'usernames cannot pile up accents or repeat the same accent on a letter';
  return undefined;
}

/**
 * The canonical form of a username someone wants to register: canonicalUsername's rules plus the
 * ones above, checked on what was typed and on its canonical form. IdentityError otherwise.
 */
export function checkNewUsername(input: string): string {
  const name = canonicalUsername(input);
  const problem = usernameProblem(input.normalize('NFC')) ?? usernameProblem(name);
  if (problem !== undefined) throw new IdentityError('credential_invalid', problem);
  return name;
}
