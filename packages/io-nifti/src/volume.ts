import { datatypeInfo, datatypeOfArray, isScalarDatatype, type NiftiData } from './datatypes.js';
import { headerFromImage } from './encode.js';
import { NiftiArgumentError } from './errors.js';
import { emptyHeader } from './header.js';
import { NiftiImage } from './image.js';
import { copyMatrix, type Matrix4 } from './matrix.js';

/**
 * A 3D volume in the layout every DeepIGeoS.js package uses: row-major `[D, H, W]` =
 * `[nz, ny, nx]` (NIfTI's x-fastest order read as a C array), spacing `[sz, sy, sx]` in mm.
 */
export interface Volume<T extends NiftiData = Float32Array> {
  /** Voxel values, W (x) fastest, then H (y), then D (z). */
  data: T;
  /** `[D, H, W]` = `[nz, ny, nx]`. */
  shape: [number, number, number];
  /** Voxel size `[sz, sy, sx]` (pixdim[3], pixdim[2], pixdim[1]). */
  spacing: [number, number, number];
  /** Voxel (i = x, j = y, k = z) to world affine of the source image. */
  affine: Matrix4;
}

/** What {@link niftiFromVolume} needs: data and shape; spacing and affine are optional. */
export type VolumeInput = Pick<Volume<NiftiData>, 'data' | 'shape'> & Partial<Pick<Volume<NiftiData>, 'spacing' | 'affine'>>;

/**
 * The image as a float32 {@link Volume} with scl_slope/scl_inter applied. Float32 data without
 * scaling is not copied (the volume shares memory with the image). 2D images become `D = 1`.
 * @throws {@link NiftiArgumentError} for complex/RGB data or images with more than one volume
 *   (a 4th+ dimension above 1).
 */
export function volumeFromNifti(image: NiftiImage): Volume {
  const [nx = 1, ny = 1, nz = 1, ...rest] = image.dims;
  if (rest.some((d) => d > 1)) {
    throw new NiftiArgumentError(`volumeFromNifti needs one 3D volume; image dims are ${image.dims.join('×')} (split the 4th+ dimensions first)`);
  }
  const scaled = image.scaledData();
  const data = scaled instanceof Float32Array ? scaled : Float32Array.from(scaled);
  const p = image.pixdim;
  return { data, shape: [nz, ny, nx], spacing: [p[3] ?? 1, p[2] ?? 1, p[1] ?? 1], affine: copyMatrix(image.affine) };
}

/**
 * A NIfTI image of a volume. With `like` (typically the image the volume was computed from),
 * the result keeps its affines, form codes, pixdim, units, description and every other header
 * field, so it overlays `like` exactly in any viewer; scl_slope/scl_inter and cal_min/cal_max
 * are reset because the volume holds final values, and extensions are not copied.
 * Without `like`, both sform and qform are set to `volume.affine` (or a diagonal affine from
 * `spacing`) with code 2 (aligned).
 * The datatype follows the data's typed array (Uint8Array labels → uint8, Float32Array → float32).
 * @throws {@link NiftiArgumentError} when shape, data length or `like`'s dims disagree.
 */
export function niftiFromVolume(volume: VolumeInput, like?: NiftiImage): NiftiImage {
  const { data, shape } = volume;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw new NiftiArgumentError(`volume.shape must be [D, H, W] of whole numbers ≥ 1, got ${JSON.stringify(shape)}`);
  }
  const datatype = datatypeOfArray(data);
  const [d, h, w] = shape;
  if (data.length !== d * h * w) throw new NiftiArgumentError(`volume.data has ${data.length} values; shape ${shape.join('×')} needs ${d * h * w}`);
  const dims = [w, h, d];
  const image = like ? fromLike(like, dims) : fromScratch(volume, dims);
  image.datatype = datatype;
  image.data = data;
  if (!isScalarDatatype(datatypeInfo(datatype))) throw new NiftiArgumentError('volume.data must hold one value per voxel');
  image.header = headerFromImage(image);
  return image;
}

function fromLike(like: NiftiImage, dims: number[]): NiftiImage {
  const likeSpatial = [0, 1, 2].map((i) => like.dims[i] ?? 1);
  if (likeSpatial.some((n, i) => n !== dims[i])) {
    throw new NiftiArgumentError(`volume shape [D, H, W] = [${dims.slice().reverse().join(', ')}] does not match like.dims ${like.dims.join('×')} (expected [${likeSpatial.slice().reverse().join(', ')}])`);
  }
  return new NiftiImage({
    version: like.version,
    header: { ...like.header, scl_slope: 1, scl_inter: 0, cal_min: 0, cal_max: 0 },
    dims,
    pixdim: like.pixdim.slice(),
    datatype: like.datatype,
    data: like.data,
    extensions: [],
    qform: copyMatrix(like.qform),
    qformCode: like.qformCode,
    sform: copyMatrix(like.sform),
    sformCode: like.sformCode,
  });
}

function fromScratch(volume: VolumeInput, dims: number[]): NiftiImage {
  const spacing = volume.spacing ?? [1, 1, 1];
  if (!Array.isArray(spacing) || spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new NiftiArgumentError(`volume.spacing must be [sz, sy, sx] of positive numbers, got ${JSON.stringify(spacing)}`);
  }
  const pixdim = [1, spacing[2], spacing[1], spacing[0], 1, 1, 1, 1];
  const affine = volume.affine ? copyMatrix(volume.affine) : diagonalAffine(pixdim);
  return new NiftiImage({
    version: 1,
    header: { ...emptyHeader(), xyzt_units: 2 },
    dims,
    pixdim,
    datatype: 16,
    data: new Float32Array(0),
    extensions: [],
    qform: affine,
    qformCode: 2,
    sform: copyMatrix(affine),
    sformCode: 2,
  });
}

function diagonalAffine(pixdim: number[]): Matrix4 {
  return [
    [pixdim[1]!, 0, 0, 0],
    [0, pixdim[2]!, 0, 0],
    [0, 0, pixdim[3]!, 0],
    [0, 0, 0, 1],
  ];
}
