// The glibc symbol versions a prebuilt Linux addon (ELF shared object) asks for, read from its
// version strings (GLIBC_2.x in .dynstr), so tests can check that it loads on older
// distributions without binutils.

/**
 * Highest `GLIBC_2.x` version named in the file, as a minor number (e.g. 14 for GLIBC_2.14).
 * @param {Uint8Array} bytes the .node file
 * @returns {number}
 */
export function highestGlibcMinor(bytes) {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let highest = 0;
  for (const match of text.matchAll(/GLIBC_2\.(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}
