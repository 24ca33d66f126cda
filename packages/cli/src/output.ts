/**
 * Where a command writes: the process's own streams, or a buffer sent back to the `parley` process
 * that handed the command to the one holding the profile (handOff.ts).
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** An Output that keeps what is written, to send it back. */
export function capturedOutput(): Output & { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
