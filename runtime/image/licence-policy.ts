/**
 * Which licences may ship in the image. npm code (bundled into the server) and Node.js must be under
 * a permissive licence. The few Debian packages are the C/C++ runtime every Linux program links
 * against; their licences are listed one by one (an unknown package fails the build) and their
 * copyright files ship in the image.
 */

/** SPDX identifiers accepted for npm packages and Node.js. */
export const PERMISSIVE_LICENSES: ReadonlySet<string> = new Set([
  '0BSD', 'Apache-2.0', 'BlueOak-1.0.0', 'BSD-2-Clause', 'BSD-3-Clause', 'CC0-1.0', 'ISC', 'MIT', 'MIT-0', 'Python-2.0', 'Unlicense', 'Zlib',
]);

/**
 * Debian packages the image may take files from, with the SPDX licence of the files it takes
 * (from /usr/share/doc/<package>/copyright).
 */
export const DEBIAN_PACKAGE_LICENSES: Readonly<Record<string, string>> = {
  // glibc; dynamically linked, which the LGPL allows for programs under any licence.
  libc6: 'LGPL-2.1-or-later',
  // The GCC runtime libraries: the GCC Runtime Library Exception covers programs linking them.
  'libgcc-s1': 'GPL-3.0-or-later WITH GCC-exception-3.1',
  'libstdc++6': 'GPL-3.0-or-later WITH GCC-exception-3.1',
  // Only Mozilla's root certificates are taken (data), not the package's GPL scripts.
  'ca-certificates': 'MPL-2.0',
};

/** The licence of a Debian package's shipped files, or a build error naming what to do. */
export function debianPackageLicense(name: string): string {
  const license = DEBIAN_PACKAGE_LICENSES[name];
  if (license === undefined) {
    throw new Error(`the image would ship files from the Debian package ${name}, whose licence is not reviewed; read /usr/share/doc/${name}/copyright and add it to DEBIAN_PACKAGE_LICENSES in runtime/image/licence-policy.ts`);
  }
  return license;
}

/**
 * True when an SPDX expression allows permissive use: every operand of AND, and at least one of OR,
 * must be in {@link PERMISSIVE_LICENSES}. `WITH` exceptions are not accepted here.
 */
export function isPermissive(expression: string): boolean {
  const tokens = expression.replace(/([()])/g, ' $1 ').trim().split(/\s+/);
  let position = 0;
  const orExpression = (): boolean => {
    let value = andExpression();
    while (tokens[position] === 'OR') {
      position++;
      value = andExpression() || value;
    }
    return value;
  };
  const andExpression = (): boolean => {
    let value = term();
    while (tokens[position] === 'AND') {
      position++;
      value = term() && value;
    }
    return value;
  };
  const term = (): boolean => {
    const token = tokens[position++];
    if (token === '(') {
      const value = orExpression();
      if (tokens[position++] !== ')') return false;
      return value;
    }
    return token !== undefined && PERMISSIVE_LICENSES.has(token);
  };
  const result = orExpression();
  return result && position === tokens.length;
}
