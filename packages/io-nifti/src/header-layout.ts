import { NiftiArgumentError, NiftiFormatError } from './errors.js';
import type { NiftiHeader } from './header.js';

type Kind = 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64' | 'str';
/** Where one field lives: value kind, byte offset, and array length (or string length for 'str'). */
type Slot = readonly [kind: Kind, offset: number, count?: number];
type Layout = { readonly [K in keyof NiftiHeader]?: Slot };

/** NIfTI-1 header (348 bytes). */
export const NIFTI1_LAYOUT: Layout = {
  sizeof_hdr: ['i32', 0],
  data_type: ['str', 4, 10],
  db_name: ['str', 14, 18],
  extents: ['i32', 32],
  session_error: ['i16', 36],
  regular: ['u8', 38],
  dim_info: ['u8', 39],
  dim: ['i16', 40, 8],
  intent_p1: ['f32', 56],
  intent_p2: ['f32', 60],
  intent_p3: ['f32', 64],
  intent_code: ['i16', 68],
  datatype: ['i16', 70],
  bitpix: ['i16', 72],
  slice_start: ['i16', 74],
  pixdim: ['f32', 76, 8],
  vox_offset: ['f32', 108],
  scl_slope: ['f32', 112],
  scl_inter: ['f32', 116],
  slice_end: ['i16', 120],
  slice_code: ['u8', 122],
  xyzt_units: ['u8', 123],
  cal_max: ['f32', 124],
  cal_min: ['f32', 128],
  slice_duration: ['f32', 132],
  toffset: ['f32', 136],
  glmax: ['i32', 140],
  glmin: ['i32', 144],
  descrip: ['str', 148, 80],
  aux_file: ['str', 228, 24],
  qform_code: ['i16', 252],
  sform_code: ['i16', 254],
  quatern_b: ['f32', 256],
  quatern_c: ['f32', 260],
  quatern_d: ['f32', 264],
  qoffset_x: ['f32', 268],
  qoffset_y: ['f32', 272],
  qoffset_z: ['f32', 276],
  srow_x: ['f32', 280, 4],
  srow_y: ['f32', 296, 4],
  srow_z: ['f32', 312, 4],
  intent_name: ['str', 328, 16],
  magic: ['str', 344, 4],
};

/** NIfTI-2 header (540 bytes): 64-bit dims, offsets and floats; no Analyze leftovers. */
export const NIFTI2_LAYOUT: Layout = {
  sizeof_hdr: ['i32', 0],
  magic: ['str', 4, 4],
  datatype: ['i16', 12],
  bitpix: ['i16', 14],
  dim: ['i64', 16, 8],
  intent_p1: ['f64', 80],
  intent_p2: ['f64', 88],
  intent_p3: ['f64', 96],
  pixdim: ['f64', 104, 8],
  vox_offset: ['i64', 168],
  scl_slope: ['f64', 176],
  scl_inter: ['f64', 184],
  cal_max: ['f64', 192],
  cal_min: ['f64', 200],
  slice_duration: ['f64', 208],
  toffset: ['f64', 216],
  slice_start: ['i64', 224],
  slice_end: ['i64', 232],
  descrip: ['str', 240, 80],
  aux_file: ['str', 320, 24],
  qform_code: ['i32', 344],
  sform_code: ['i32', 348],
  quatern_b: ['f64', 352],
  quatern_c: ['f64', 360],
  quatern_d: ['f64', 368],
  qoffset_x: ['f64', 376],
  qoffset_y: ['f64', 384],
  qoffset_z: ['f64', 392],
  srow_x: ['f64', 400, 4],
  srow_y: ['f64', 432, 4],
  srow_z: ['f64', 464, 4],
  slice_code: ['i32', 496],
  xyzt_units: ['i32', 500],
  intent_code: ['i32', 504],
  intent_name: ['str', 508, 16],
  dim_info: ['u8', 524],
};

const SIZE: Record<Exclude<Kind, 'str'>, number> = { u8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };

function readValue(view: DataView, kind: Exclude<Kind, 'str'>, offset: number, le: boolean, field: string): number {
  switch (kind) {
    case 'u8':
      return view.getUint8(offset);
    case 'i16':
      return view.getInt16(offset, le);
    case 'i32':
      return view.getInt32(offset, le);
    case 'f32':
      return view.getFloat32(offset, le);
    case 'f64':
      return view.getFloat64(offset, le);
    case 'i64': {
      const value = view.getBigInt64(offset, le);
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new NiftiFormatError(`${field} is ${value}: larger than 2^53, no file can hold that`);
      }
      return Number(value);
    }
  }
}

function writeValue(view: DataView, kind: Exclude<Kind, 'str'>, offset: number, value: number, le: boolean): void {
  if (kind === 'u8') view.setUint8(offset, value);
  else if (kind === 'i16') view.setInt16(offset, value, le);
  else if (kind === 'i32') view.setInt32(offset, value, le);
  else if (kind === 'f32') view.setFloat32(offset, value, le);
  else if (kind === 'f64') view.setFloat64(offset, value, le);
  else view.setBigInt64(offset, BigInt(Math.trunc(value)), le);
}

function readString(bytes: Uint8Array, offset: number, length: number): string {
  let out = '';
  for (let i = offset; i < offset + length && bytes[i] !== 0; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

function writeString(bytes: Uint8Array, offset: number, length: number, value: string, field: string): void {
  if (value.length > length) throw new NiftiArgumentError(`header.${field} is ${value.length} characters; the field holds at most ${length}`);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 255) throw new NiftiArgumentError(`header.${field} contains ${JSON.stringify(value[i])}: only 8-bit characters fit in a NIfTI string field`);
    bytes[offset + i] = code;
  }
}

/** Reads every field of `layout` into `header` (fields the layout lacks keep their values). */
export function readFields(bytes: Uint8Array, layout: Layout, littleEndian: boolean, header: NiftiHeader): NiftiHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = header as unknown as Record<string, unknown>;
  for (const [name, [kind, offset, count]] of Object.entries(layout) as [string, Slot][]) {
    if (kind === 'str') out[name] = readString(bytes, offset, count!);
    else if (count === undefined) out[name] = readValue(view, kind, offset, littleEndian, name);
    else out[name] = Array.from({ length: count }, (_, i) => readValue(view, kind, offset + i * SIZE[kind], littleEndian, `${name}[${i}]`));
  }
  return header;
}

/** Writes every field of `layout` from `header` into `bytes` (zero-filled) in the given byte order. */
export function writeFields(bytes: Uint8Array, layout: Layout, header: NiftiHeader, littleEndian: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const values = header as unknown as Record<string, unknown>;
  for (const [name, [kind, offset, count]] of Object.entries(layout) as [string, Slot][]) {
    const value = values[name];
    if (kind === 'str') writeString(bytes, offset, count!, String(value ?? ''), name);
    else if (count === undefined) writeValue(view, kind, offset, Number(value), littleEndian);
    else for (let i = 0; i < count; i++) writeValue(view, kind, offset + i * SIZE[kind], (value as number[])[i] ?? 0, littleEndian);
  }
}
