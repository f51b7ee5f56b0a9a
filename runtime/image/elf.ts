import { runCommand } from './run-command';

/** What the dynamic linker needs to load an ELF file. */
export interface ElfDependencies {
  /** DT_NEEDED sonames, in file order (e.g. `libstdc++.so.6`). */
  readonly needed: readonly string[];
  /** PT_INTERP of an executable (e.g. `/lib64/ld-linux-x86-64.so.2`); undefined for a shared library. */
  readonly interpreter?: string;
}

/**
 * Reads an ELF file's dynamic dependencies with binutils' `readelf`, which only parses headers;
 * `ldd` would run the file's loader, and answers from the build host's libraries rather than the image's.
 */
export async function readElfDependencies(file: string): Promise<ElfDependencies> {
  const { stdout } = await runCommand('readelf', ['--wide', '--dynamic', '--program-headers', file]);
  return parseReadelfOutput(stdout);
}

/** Parses `readelf --wide --dynamic --program-headers` output. */
export function parseReadelfOutput(output: string): ElfDependencies {
  const needed = [...output.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((match) => match[1]);
  const interpreter = /\[Requesting program interpreter: ([^\]]+)\]/.exec(output)?.[1];
  return interpreter === undefined ? { needed } : { needed, interpreter };
}
