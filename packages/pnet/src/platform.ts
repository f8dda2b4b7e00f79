import type * as tfl from '@tensorflow/tfjs-layers';
import type { WindowOutput, WindowPredictor } from './inference/window-predictor.js';
import type { NativeConv } from './ops/native-conv.js';

/**
 * Node-only services, installed by the Node entry (`node-platform.ts`) and absent in the browser
 * build, so browser bundles never reference Node built-ins.
 */
export interface Platform {
  /** Writes files into a directory (created if needed), each atomically (temporary name + rename), in order. */
  writeFiles?(dir: string, files: [name: string, data: string | Uint8Array][]): Promise<void>;
  /** Reads one file of a directory. */
  readFile?(dir: string, name: string): Promise<Uint8Array>;
  /** Starts `count` worker threads that predict windows of `model` on `backend`. */
  workerPredictor?(model: tfl.LayersModel, output: WindowOutput, count: number, backend: string): Promise<WindowPredictor>;
  /** Terminates the worker threads kept between calls. */
  closeWorkers?(): Promise<void>;
  /** The Node addon's direct conv2d, when it loaded and supports the CPU. */
  nativeConv?: NativeConv;
}

/** The services of the running platform (empty in browsers). @internal */
export const platform: Platform = {};

/** The named service, or an error naming what only Node offers. @internal */
export function nodeOnly<K extends keyof Platform>(key: K, what: string): NonNullable<Platform[K]> {
  const service = platform[key];
  if (service === undefined) throw new Error(`${what} needs Node (this is the browser build of @deepigeos/pnet)`);
  return service as NonNullable<Platform[K]>;
}
