import { baseAffine, chooseAffine } from './affine.js';
import { datatypeInfo, isScalarDatatype, type NiftiData } from './datatypes.js';
import { NiftiArgumentError, NiftiFormatError } from './errors.js';
import type { NiftiHeader } from './header.js';
import type { Matrix4 } from './matrix.js';

/** One NIfTI header extension: its code (e.g. 4 = AFNI, 6 = comment, 44 = JSON) and raw bytes. */
export interface NiftiExtension {
  /** ecode field. */
  code: number;
  /** Extension content without trailing NUL padding (as nibabel reads it); padded to 16 bytes when written. */
  data: Uint8Array;
}

/** Voxel value scaling: `value · slope + inter`. */
export interface NiftiScaling {
  /** scl_slope. */
  slope: number;
  /** scl_inter. */
  inter: number;
}

/** Everything a {@link NiftiImage} is made of; see the class fields for meanings. */
export type NiftiImageInit = Pick<
  NiftiImage,
  'version' | 'header' | 'dims' | 'pixdim' | 'datatype' | 'data' | 'extensions' | 'qform' | 'qformCode' | 'sform' | 'sformCode'
>;

// Datatypes whose values a Float32Array holds exactly; larger ones scale into Float64Array.
const FLOAT32_EXACT = new Set([2, 4, 16, 256, 512]);

/**
 * A NIfTI image in memory. Voxel `data` is in the file's order (i/x fastest, then j, k, …)
 * and the host's byte order. The affine maps voxel indices (i, j, k) to world millimetres.
 *
 * When writing, the header is rebuilt from `dims`, `pixdim`, `datatype`, `data`, `qform`/`qformCode`,
 * `sform`/`sformCode` and `extensions`; every other field comes from `header`.
 */
export class NiftiImage {
  /** NIfTI format version the image was read from (writers use NIfTI-1 unless told otherwise or dims need 2). */
  version: 1 | 2;
  /** Every header field as stored in the file (see {@link NiftiHeader}). */
  header: NiftiHeader;
  /** Sizes of the used dimensions, like nibabel's `shape`: [nx, ny, nz, nt, …]. */
  dims: number[];
  /** pixdim[0..7] as nibabel holds it: pixdim[0] = qfac (±1), pixdim[1..3] positive voxel sizes. */
  pixdim: number[];
  /** NIfTI datatype code of `data` (see {@link NiftiDatatype}). */
  datatype: number;
  /**
   * Voxel values: a typed array of the stored type in native byte order. Complex values are
   * interleaved re/im, RGB24/RGBA32 have 3/4 bytes per voxel, 64-bit integers use BigInt arrays.
   * May share memory with the bytes the image was decoded from.
   */
  data: NiftiData;
  /** Header extensions in file order. */
  extensions: NiftiExtension[];
  /** Affine from the quaternion parameters (meaningful when `qformCode` ≠ 0). */
  qform: Matrix4;
  /** qform_code: 0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template. */
  qformCode: number;
  /** Affine from srow_x/y/z (meaningful when `sformCode` ≠ 0). */
  sform: Matrix4;
  /** sform_code, same meanings as `qformCode`. */
  sformCode: number;

  /** Builds an image from already consistent parts (use the readers or {@link niftiFromVolume} instead). */
  constructor(init: NiftiImageInit) {
    this.version = init.version;
    this.header = init.header;
    this.dims = init.dims;
    this.pixdim = init.pixdim;
    this.datatype = init.datatype;
    this.data = init.data;
    this.extensions = init.extensions;
    this.qform = init.qform;
    this.qformCode = init.qformCode;
    this.sform = init.sform;
    this.sformCode = init.sformCode;
  }

  /**
   * The voxel-to-world affine chosen exactly as nibabel does: the sform if `sformCode` ≠ 0,
   * else the qform if `qformCode` ≠ 0, else the base affine from pixdim (x flipped, centred).
   */
  get affine(): Matrix4 {
    return chooseAffine(
      this.sformCode,
      this.sform,
      this.qformCode,
      () => this.qform,
      () => baseAffine(this.dims, this.pixdim),
    );
  }

  /**
   * Replaces the affine: both sform and qform become `affine` (the qform drops any shear, as
   * NIfTI quaternions must); sformCode becomes 2 (aligned) if it was 0, qformCode is kept.
   * Since the sform then has a code, `image.affine` returns exactly what was set.
   */
  set affine(affine: Matrix4) {
    if (!Array.isArray(affine) || affine.length !== 4 || !affine.every((row) => Array.isArray(row) && row.length === 4 && row.every(Number.isFinite))) {
      throw new NiftiArgumentError('affine must be a 4×4 array of finite numbers');
    }
    this.sform = affine.map((row) => row.slice());
    this.qform = affine.map((row) => row.slice());
    if (this.sformCode === 0) this.sformCode = 2;
  }

  /** Slope and intercept to apply, or null when scl_slope is 0 or not finite (no scaling). */
  scaling(): NiftiScaling | null {
    const slope = this.header.scl_slope;
    const inter = this.header.scl_inter;
    if (slope === 0 || !Number.isFinite(slope)) return null;
    if (!Number.isFinite(inter)) throw new NiftiFormatError(`scl_inter is ${inter} while scl_slope is ${slope}: expected a finite intercept`);
    return { slope, inter };
  }

  /**
   * Voxel values with scl_slope/scl_inter applied (`value · slope + inter`; slope 0 or NaN
   * means no scaling). Float32Array for 8/16-bit integer and float32 data, Float64Array for
   * 32/64-bit integer and float64 data. Unscaled float data are returned as is (no copy).
   * @throws {@link NiftiArgumentError} for complex and RGB data, which have no scalar value.
   */
  scaledData(): Float32Array | Float64Array {
    const info = datatypeInfo(this.datatype);
    if (!isScalarDatatype(info)) throw new NiftiArgumentError(`scaledData() needs scalar data; datatype ${info.code} (${info.name}) has ${info.components} components per voxel`);
    const found = this.scaling();
    // slope 1 / inter 0 changes nothing: treat it as unscaled so float data is not copied.
    const scale = found && (found.slope !== 1 || found.inter !== 0) ? found : null;
    const data = this.data;
    if (!scale && (data instanceof Float32Array || data instanceof Float64Array)) return data;
    const out = FLOAT32_EXACT.has(this.datatype) ? new Float32Array(data.length) : new Float64Array(data.length);
    const { slope, inter } = scale ?? { slope: 1, inter: 0 };
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!) * slope + inter;
    } else if (scale) {
      for (let i = 0; i < data.length; i++) out[i] = data[i]! * slope + inter;
    } else {
      out.set(data);
    }
    return out;
  }
}
