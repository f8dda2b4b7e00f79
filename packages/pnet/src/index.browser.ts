/**
 * Browser entry of `@deepigeos/pnet` (the `browser` export condition): the same API as the Node
 * entry without Node built-ins. Checkpoints use tfjs URLs (`indexeddb://…`); `predictVolume`
 * runs on the calling thread.
 * @packageDocumentation
 */
export * from './exports.js';
