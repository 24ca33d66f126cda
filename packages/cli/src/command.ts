/** The shape of a `parley` subcommand: its usage line, its flags (node:util parseArgs) and its action. */
import type { ParseArgsConfig } from 'node:util';
import type { ClientWork } from './handOff.js';

export type Flags = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  /** Its arguments as the usage shows them, e.g. `<user|group> <text>`. */
  args: string;
  /** What it does, in a few words. */
  summary: string;
  /** Its flags; without them the arguments reach `run` as typed (free text, or another parser's). */
  flags?: NonNullable<ParseArgsConfig['options']>;
  /** How many arguments it takes besides its flags: [fewest, most]. */
  arity: [number, number];
  run(args: string[], flags: Flags): Promise<void>;
  /**
   * Its work with the profile's connected client, for commands that can be handed to the
   * `parley chat` that owns the profile (run then goes through runClientCommand).
   */
  withClient?: ClientWork;
  /** The server it talks to, when the command line names one (else the current profile's). */
  server?: (args: string[]) => string | undefined;
}
