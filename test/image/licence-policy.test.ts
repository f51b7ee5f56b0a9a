import { debianPackageLicense, isPermissive } from '../../runtime/image/licence-policy';

describe('isPermissive (which npm licences the image may ship)', () => {
  test.each([
    ['MIT', true],
    ['BSD-3-Clause', true],
    ['(MIT OR Apache-2.0)', true],
    ['(MIT OR GPL-3.0-only)', true],
    ['MIT AND ISC', true],
    ['MIT AND GPL-3.0-only', false],
    ['(MIT AND (ISC OR GPL-2.0-only))', true],
    ['GPL-3.0-or-later WITH GCC-exception-3.1', false],
    ['LGPL-2.1-or-later', false],
    ['SEE LICENSE IN LICENSE.md', false],
    ['UNLICENSED', false],
    ['(MIT', false],
  ])('%s → %s', (expression, expected) => {
    expect(isPermissive(expression)).toBe(expected);
  });
});

describe('debianPackageLicense', () => {
  test('answers the reviewed licence of glibc', () => {
    expect(debianPackageLicense('libc6')).toBe('LGPL-2.1-or-later');
  });

  test('refuses a package nobody reviewed, saying where to add it', () => {
    expect(() => debianPackageLicense('libssl3')).toThrow(
      'the image would ship files from the Debian package libssl3, whose licence is not reviewed; read /usr/share/doc/libssl3/copyright and add it to DEBIAN_PACKAGE_LICENSES in runtime/image/licence-policy.ts',
    );
  });
});
