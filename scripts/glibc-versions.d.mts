/** Highest `GLIBC_2.x` version named in an ELF file, as a minor number (e.g. 14 for GLIBC_2.14). */
export function highestGlibcMinor(bytes: Uint8Array): number;
