/** A 4×4 affine as rows: `m[row][col]`, mapping voxel (i, j, k, 1) to world (x, y, z, 1). */
export type Matrix4 = number[][];

/** The 4×4 identity. */
export function identity4(): Matrix4 {
  return [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? 1 : 0)));
}

/** Matrix product `a · b` of square matrices of equal size. */
export function multiply(a: number[][], b: number[][]): number[][] {
  const n = a.length;
  return a.map((row) =>
    Array.from({ length: n }, (_, c) => {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += row[k]! * b[k]![c]!;
      return sum;
    }),
  );
}

/** Transpose of a square matrix. */
export function transpose(m: number[][]): number[][] {
  return m.map((_, r) => m.map((row) => row[r]!));
}

/** Deep copy of a matrix. */
export function copyMatrix(m: number[][]): number[][] {
  return m.map((row) => row.slice());
}

/** Determinant of a 3×3 matrix. */
export function det3(m: number[][]): number {
  const [a, b, c] = m as [number[], number[], number[]];
  return (
    a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!)
  );
}

/** Upper-left 3×3 block of a 4×4 affine. */
export function linearPart(m: Matrix4): number[][] {
  return [0, 1, 2].map((r) => m[r]!.slice(0, 3));
}

/**
 * Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations.
 * Returns eigenvalues and eigenvectors as the columns of `vectors`.
 */
export function symmetricEigen3(input: number[][]): { values: number[]; vectors: number[][] } {
  const a = copyMatrix(input);
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0]![1]! ** 2 + a[0]![2]! ** 2 + a[1]![2]! ** 2;
    if (off < 1e-300) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = a[p]![q]!;
      if (apq === 0) continue;
      const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k]![p]!;
        const akq = a[k]![q]!;
        a[k]![p] = c * akp - s * akq;
        a[k]![q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p]![k]!;
        const aqk = a[q]![k]!;
        a[p]![k] = c * apk - s * aqk;
        a[q]![k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k]![p]!;
        const vkq = v[k]![q]!;
        v[k]![p] = c * vkp - s * vkq;
        v[k]![q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [a[0]![0]!, a[1]![1]!, a[2]![2]!], vectors: v };
}

/**
 * The orthogonal factor of the polar decomposition restricted to the numerical rank of `m`
 * (as numpy's `P[:, keep] @ Qs[keep]` from an SVD, with the same rank tolerance).
 * For a full-rank matrix this is the closest orthogonal matrix.
 */
export function closestOrthogonal(m: number[][]): number[][] {
  const { values, vectors } = symmetricEigen3(multiply(transpose(m), m));
  const singular = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const tol = Math.max(...singular) * 3 * Number.EPSILON;
  // R = Σ_kept (m v_i / s_i) v_iᵀ
  const out = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  singular.forEach((s, i) => {
    if (!(s > tol)) return;
    const vi = vectors.map((row) => row[i]!);
    const ui = m.map((row) => (row[0]! * vi[0]! + row[1]! * vi[1]! + row[2]! * vi[2]!) / s);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out[r]![c]! += ui[r]! * vi[c]!;
  });
  return out;
}
