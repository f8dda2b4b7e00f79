import { NiftiFormatError } from './errors.js';
import { NIFTI1_LAYOUT, NIFTI2_LAYOUT, readFields, writeFields } from './header-layout.js';

/**
 * Every field of a NIfTI-1 or NIfTI-2 header, under the names nibabel uses. Fields that exist
 * only in NIfTI-1 (`data_type`, `db_name`, `extents`, `session_error`, `regular`, `glmax`,
 * `glmin`) read as empty/0 from NIfTI-2 files. 64-bit NIfTI-2 integers are plain numbers
 * (exact up to 2^53).
 */
export interface NiftiHeader {
  /** 348 (NIfTI-1) or 540 (NIfTI-2). */
  sizeof_hdr: number;
  /** Unused Analyze field (NIfTI-1 only). */
  data_type: string;
  /** Unused Analyze field (NIfTI-1 only). */
  db_name: string;
  /** Unused Analyze field (NIfTI-1 only). */
  extents: number;
  /** Unused Analyze field (NIfTI-1 only). */
  session_error: number;
  /** Unused Analyze field (NIfTI-1 only). */
  regular: number;
  /** Frequency, phase and slice voxel axes (2 bits each, 1-based, 0 = unknown). */
  dim_info: number;
  /** dim[0] = number of dimensions, dim[1..7] = sizes. */
  dim: number[];
  /** First intent parameter. */
  intent_p1: number;
  /** Second intent parameter. */
  intent_p2: number;
  /** Third intent parameter. */
  intent_p3: number;
  /** Meaning of the data (NIFTI_INTENT_* code). */
  intent_code: number;
  /** NIfTI datatype code. */
  datatype: number;
  /** Bits per voxel. */
  bitpix: number;
  /** First slice index. */
  slice_start: number;
  /** pixdim[0] = qfac, pixdim[1..7] = voxel sizes / step sizes, exactly as stored. */
  pixdim: number[];
  /** Byte offset of the voxels in the .nii (0 in a .hdr/.img pair). */
  vox_offset: number;
  /** Data scaling slope (0 or NaN: no scaling). */
  scl_slope: number;
  /** Data scaling intercept. */
  scl_inter: number;
  /** Last slice index. */
  slice_end: number;
  /** Slice timing order code. */
  slice_code: number;
  /** Spatial (bits 0–2) and temporal (bits 3–5) units code. */
  xyzt_units: number;
  /** Display window maximum. */
  cal_max: number;
  /** Display window minimum. */
  cal_min: number;
  /** Time to acquire one slice. */
  slice_duration: number;
  /** Time axis shift. */
  toffset: number;
  /** Unused Analyze field (NIfTI-1 only). */
  glmax: number;
  /** Unused Analyze field (NIfTI-1 only). */
  glmin: number;
  /** Free text, at most 80 characters. */
  descrip: string;
  /** Auxiliary file name, at most 24 characters. */
  aux_file: string;
  /** Meaning of the qform (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template). */
  qform_code: number;
  /** Meaning of the sform (same codes as qform_code). */
  sform_code: number;
  /** Quaternion b of the qform rotation. */
  quatern_b: number;
  /** Quaternion c of the qform rotation. */
  quatern_c: number;
  /** Quaternion d of the qform rotation. */
  quatern_d: number;
  /** qform x translation (mm). */
  qoffset_x: number;
  /** qform y translation (mm). */
  qoffset_y: number;
  /** qform z translation (mm). */
  qoffset_z: number;
  /** First row of the sform affine. */
  srow_x: number[];
  /** Second row of the sform affine. */
  srow_y: number[];
  /** Third row of the sform affine. */
  srow_z: number[];
  /** Name of the data's meaning, at most 16 characters. */
  intent_name: string;
  /** `n+1`, `ni1`, `n+2` or `ni2`. */
  magic: string;
}

/** A parsed header plus what is needed to find the rest of the file. */
export interface ParsedHeader {
  header: NiftiHeader;
  version: 1 | 2;
  littleEndian: boolean;
  /** Bytes of the fixed header (348 or 540). */
  headerBytes: number;
  /** True for `n+1`/`n+2` (data in the same file), false for `ni1`/`ni2` (separate .img). */
  singleFile: boolean;
}

const NIFTI1_SIZE = 348;
const NIFTI2_SIZE = 540;

/** Byte length of the fixed header for a NIfTI version. */
export function headerSize(version: 1 | 2): number {
  return version === 1 ? NIFTI1_SIZE : NIFTI2_SIZE;
}

/** Version and byte order from `sizeof_hdr`, the only field that identifies them. */
export function detectVersion(bytes: Uint8Array): { version: 1 | 2; littleEndian: boolean } {
  if (bytes.length < 4) throw new NiftiFormatError(`file is ${bytes.length} bytes long: too short for a NIfTI header (at least 348 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI1_SIZE) return { version: 1, littleEndian };
    if (size === NIFTI2_SIZE) return { version: 2, littleEndian };
  }
  throw new NiftiFormatError(`sizeof_hdr is ${view.getInt32(0, true)}: expected 348 (NIfTI-1) or 540 (NIfTI-2) in either byte order`);
}

/** Bytes after "n+2\0" in a NIfTI-2 magic (detect text-mode transfers, like PNG's signature). */
export const NIFTI2_MAGIC_TAIL = [0x0d, 0x0a, 0x1a, 0x0a];

function checkMagic(bytes: Uint8Array, header: NiftiHeader, version: 1 | 2): boolean {
  const single = version === 1 ? 'n+1' : 'n+2';
  const pair = version === 1 ? 'ni1' : 'ni2';
  if (header.magic !== single && header.magic !== pair) {
    throw new NiftiFormatError(`magic is ${JSON.stringify(header.magic)}: expected "${single}" or "${pair}" for NIfTI-${version}`);
  }
  // NIfTI-2 magic carries a DOS/Unix line-ending check after the NUL (like PNG's signature).
  if (version === 2 && NIFTI2_MAGIC_TAIL.some((b, i) => bytes[8 + i] !== b)) {
    throw new NiftiFormatError('magic of the NIfTI-2 header is damaged: expected bytes 0D 0A 1A 0A after "n+2\\0" (file transferred in text mode?)');
  }
  return header.magic === single;
}

/**
 * Parses the fixed NIfTI-1 or NIfTI-2 header at the start of `bytes` (either byte order).
 * Checks only what identifies the format (sizeof_hdr, magic); {@link validateHeader} checks the rest.
 * @throws {@link NiftiFormatError} when the bytes are not a NIfTI header.
 */
export function parseHeader(bytes: Uint8Array): ParsedHeader {
  const { version, littleEndian } = detectVersion(bytes);
  const headerBytes = headerSize(version);
  if (bytes.length < headerBytes) {
    throw new NiftiFormatError(`file is truncated: ${bytes.length} bytes, but a NIfTI-${version} header needs ${headerBytes}`);
  }
  const header = readFields(bytes, version === 1 ? NIFTI1_LAYOUT : NIFTI2_LAYOUT, littleEndian, emptyHeader());
  const singleFile = checkMagic(bytes, header, version);
  return { header, version, littleEndian, headerBytes, singleFile };
}

/** A NIfTI-1 header with every field zero/empty except sizeof_hdr, magic and unit scaling. */
export function emptyHeader(): NiftiHeader {
  return {
    sizeof_hdr: NIFTI1_SIZE,
    data_type: '',
    db_name: '',
    extents: 0,
    session_error: 0,
    regular: 0,
    dim_info: 0,
    dim: [0, 1, 1, 1, 1, 1, 1, 1],
    intent_p1: 0,
    intent_p2: 0,
    intent_p3: 0,
    intent_code: 0,
    datatype: 0,
    bitpix: 0,
    slice_start: 0,
    pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
    vox_offset: 0,
    scl_slope: 1,
    scl_inter: 0,
    slice_end: 0,
    slice_code: 0,
    xyzt_units: 0,
    cal_max: 0,
    cal_min: 0,
    slice_duration: 0,
    toffset: 0,
    glmax: 0,
    glmin: 0,
    descrip: '',
    aux_file: '',
    qform_code: 0,
    sform_code: 0,
    quatern_b: 0,
    quatern_c: 0,
    quatern_d: 0,
    qoffset_x: 0,
    qoffset_y: 0,
    qoffset_z: 0,
    srow_x: [0, 0, 0, 0],
    srow_y: [0, 0, 0, 0],
    srow_z: [0, 0, 0, 0],
    intent_name: '',
    magic: 'n+1',
  };
}

/**
 * Serialises a header into the first 348 (NIfTI-1) or 540 (NIfTI-2) bytes of `bytes`, which
 * must be zero-filled.
 * @throws {@link NiftiArgumentError} when a string field is too long or not 8-bit.
 */
export function writeHeader(header: NiftiHeader, version: 1 | 2, bytes: Uint8Array, littleEndian = true): void {
  writeFields(bytes, version === 1 ? NIFTI1_LAYOUT : NIFTI2_LAYOUT, header, littleEndian);
  if (version === 2) bytes.set(NIFTI2_MAGIC_TAIL, 8);
}
