/** True on little-endian hosts (all mainstream CPUs). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of every `unit`-byte value in place (unit 1: nothing to do). */
export function swapBytes(bytes: Uint8Array, unit: number): void {
  if (unit === 1) return;
  for (let i = 0; i + unit <= bytes.length; i += unit) {
    for (let a = i, b = i + unit - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}
