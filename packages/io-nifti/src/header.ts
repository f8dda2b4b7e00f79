import { NiftiFormatError } from './errors.js';

/**
 * Every field of a NIfTI-1 or NIfTI-2 header, under the names nibabel uses. Fields that exist
 * only in NIfTI-1 (`data_type`, `db_name`, `extents`, `session_error`, `regular`, `glmax`,
 * `glmin`) read as empty/0 from NIfTI-2 files. 64-bit NIfTI-2 integers are plain numbers
 * (exact up to 2^53).
 */
export interface NiftiHeader {
  sizeof_hdr: number;
  data_type: string;
  db_name: string;
  extents: number;
  session_error: number;
  regular: number;
  dim_info: number;
  /** dim[0] = number of dimensions, dim[1..7] = sizes. */
  dim: number[];
  intent_p1: number;
  intent_p2: number;
  intent_p3: number;
  intent_code: number;
  datatype: number;
  bitpix: number;
  slice_start: number;
  /** pixdim[0] = qfac, pixdim[1..7] = voxel sizes / step sizes, exactly as stored. */
  pixdim: number[];
  vox_offset: number;
  scl_slope: number;
  scl_inter: number;
  slice_end: number;
  slice_code: number;
  xyzt_units: number;
  cal_max: number;
  cal_min: number;
  slice_duration: number;
  toffset: number;
  glmax: number;
  glmin: number;
  descrip: string;
  aux_file: string;
  qform_code: number;
  sform_code: number;
  quatern_b: number;
  quatern_c: number;
  quatern_d: number;
  qoffset_x: number;
  qoffset_y: number;
  qoffset_z: number;
  srow_x: number[];
  srow_y: number[];
  srow_z: number[];
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

function readString(bytes: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && bytes[end] !== 0) end++;
  let out = '';
  for (let i = offset; i < end; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

function readInt64(view: DataView, offset: number, littleEndian: boolean, field: string): number {
  const value = view.getBigInt64(offset, littleEndian);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NiftiFormatError(`${field} is ${value}: larger than 2^53, no file can hold that`);
  }
  return Number(value);
}

/** Field readers shared by both versions: typed getters bound to one view and byte order. */
function readers(bytes: Uint8Array, littleEndian: boolean) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    i16: (o: number) => view.getInt16(o, littleEndian),
    i32: (o: number) => view.getInt32(o, littleEndian),
    i64: (o: number, field: string) => readInt64(view, o, littleEndian, field),
    f32: (o: number) => view.getFloat32(o, littleEndian),
    f64: (o: number) => view.getFloat64(o, littleEndian),
    u8: (o: number) => bytes[o]!,
    str: (o: number, n: number) => readString(bytes, o, n),
  };
}

function parseNifti1(bytes: Uint8Array, littleEndian: boolean): NiftiHeader {
  const r = readers(bytes, littleEndian);
  const f32s = (o: number, n: number) => Array.from({ length: n }, (_, i) => r.f32(o + 4 * i));
  return {
    sizeof_hdr: r.i32(0),
    data_type: r.str(4, 10),
    db_name: r.str(14, 18),
    extents: r.i32(32),
    session_error: r.i16(36),
    regular: r.u8(38),
    dim_info: r.u8(39),
    dim: Array.from({ length: 8 }, (_, i) => r.i16(40 + 2 * i)),
    intent_p1: r.f32(56),
    intent_p2: r.f32(60),
    intent_p3: r.f32(64),
    intent_code: r.i16(68),
    datatype: r.i16(70),
    bitpix: r.i16(72),
    slice_start: r.i16(74),
    pixdim: f32s(76, 8),
    vox_offset: r.f32(108),
    scl_slope: r.f32(112),
    scl_inter: r.f32(116),
    slice_end: r.i16(120),
    slice_code: r.u8(122),
    xyzt_units: r.u8(123),
    cal_max: r.f32(124),
    cal_min: r.f32(128),
    slice_duration: r.f32(132),
    toffset: r.f32(136),
    glmax: r.i32(140),
    glmin: r.i32(144),
    descrip: r.str(148, 80),
    aux_file: r.str(228, 24),
    qform_code: r.i16(252),
    sform_code: r.i16(254),
    quatern_b: r.f32(256),
    quatern_c: r.f32(260),
    quatern_d: r.f32(264),
    qoffset_x: r.f32(268),
    qoffset_y: r.f32(272),
    qoffset_z: r.f32(276),
    srow_x: f32s(280, 4),
    srow_y: f32s(296, 4),
    srow_z: f32s(312, 4),
    intent_name: r.str(328, 16),
    magic: r.str(344, 4),
  };
}

function parseNifti2(bytes: Uint8Array, littleEndian: boolean): NiftiHeader {
  const r = readers(bytes, littleEndian);
  const f64s = (o: number, n: number) => Array.from({ length: n }, (_, i) => r.f64(o + 8 * i));
  return {
    sizeof_hdr: r.i32(0),
    data_type: '',
    db_name: '',
    extents: 0,
    session_error: 0,
    regular: 0,
    dim_info: r.u8(524),
    dim: Array.from({ length: 8 }, (_, i) => r.i64(16 + 8 * i, `dim[${i}]`)),
    intent_p1: r.f64(80),
    intent_p2: r.f64(88),
    intent_p3: r.f64(96),
    intent_code: r.i32(504),
    datatype: r.i16(12),
    bitpix: r.i16(14),
    slice_start: r.i64(224, 'slice_start'),
    pixdim: f64s(104, 8),
    vox_offset: r.i64(168, 'vox_offset'),
    scl_slope: r.f64(176),
    scl_inter: r.f64(184),
    slice_end: r.i64(232, 'slice_end'),
    slice_code: r.i32(496),
    xyzt_units: r.i32(500),
    cal_max: r.f64(192),
    cal_min: r.f64(200),
    slice_duration: r.f64(208),
    toffset: r.f64(216),
    glmax: 0,
    glmin: 0,
    descrip: r.str(240, 80),
    aux_file: r.str(320, 24),
    qform_code: r.i32(344),
    sform_code: r.i32(348),
    quatern_b: r.f64(352),
    quatern_c: r.f64(360),
    quatern_d: r.f64(368),
    qoffset_x: r.f64(376),
    qoffset_y: r.f64(384),
    qoffset_z: r.f64(392),
    srow_x: f64s(400, 4),
    srow_y: f64s(432, 4),
    srow_z: f64s(464, 4),
    intent_name: r.str(508, 16),
    magic: r.str(4, 8),
  };
}

const NIFTI2_MAGIC_TAIL = [0x0d, 0x0a, 0x1a, 0x0a];

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
  const header = version === 1 ? parseNifti1(bytes, littleEndian) : parseNifti2(bytes, littleEndian);
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
