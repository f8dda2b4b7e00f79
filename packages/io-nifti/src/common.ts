// Platform-independent public API, re-exported by the Node and browser entries.
export { ioOrientation, type Orientation, toCanonical } from './canonical.js';
export { type DatatypeInfo, datatypeInfo, type NiftiData, type NiftiDataConstructor, NiftiDatatype } from './datatypes.js';
export { type DecodeOptions, decodeNifti } from './decode.js';
export { type EncodeOptions, encodeNifti, encodeNiftiPair, headerFromImage, type NiftiPairBytes } from './encode.js';
export { ArgumentError, DeepIGeoSError, type DeepIGeoSErrorCode, FormatError, isDeepIGeoSError, NiftiArgumentError, NiftiFormatError } from './errors.js';
export type { NiftiHeader } from './header.js';
export { type NiftiExtension, NiftiImage, type NiftiImageInit, type NiftiScaling } from './image.js';
export { isGzip } from './inflate.js';
export { BROWSER_MAX_DATA_BYTES, DEFAULT_MAX_DATA_BYTES, NODE_MAX_DATA_BYTES } from './layout.js';
export type { Matrix4 } from './matrix.js';
export type { ReadNiftiOptions } from './read.js';
export { niftiFromVolume, type Volume, type VolumeInput, volumeFromNifti } from './volume.js';
