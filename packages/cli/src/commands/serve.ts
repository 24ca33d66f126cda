/**
 * `parley serve [options]`: a Parley server, when @parley/server is installed beside the terminal
 * client. It is an optional peer dependency, loaded only here, so the terminal client alone does not
 * install the server's databases and drivers.
 */
import type { Command } from '../command.js';
import { CliError } from '../errors.js';

const SERVER_PACKAGE = '@parley/server';

/** The server package, or a CliError that says how to install it. */
export async function loadServer(name: string = SERVER_PACKAGE): Promise<typeof import('@parley/server')> {
  try {
    import.meta.resolve(name);
  } catch {
    throw new CliError(
      `parley serve needs the server, which is not installed: run \`npm install ${SERVER_PACKAGE}\` (or run parley-server)`,
    );
  }
  return (await import(name)) as typeof import('@parley/server');
}

export const serveCommand: Command = {
  args: '[options]',
  summary: 'start a Parley server (see README: Configuration)',
  arity: [0, Number.POSITIVE_INFINITY],
  async run(args) {
    const { runServerCommand } = await loadServer();
    await runServerCommand(args);
  },
};
