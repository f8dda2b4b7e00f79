import * as tf from '@tensorflow/tfjs-core';

/** The wasm backend's reference counting (no typings in tfjs-core); its Reshape shares data through it. */
type SharingBackend = { incRef?: (dataId: object) => void };

let installed = false;

/**
 * Makes tfjs-backend-wasm's `Identity` kernel share the tensor's data (a reference count, as
 * that backend's Reshape and the cpu backend's Identity do) instead of copying it. tfjs runs
 * Identity for `tf.clone` and for every tensor a kernel or custom gradient saves for its backward
 * pass, so on wasm each training step copied its activations once more: 14 of the 134 ms of a 2D
 * P-Net step of the CLI's size (measured). Tensors are immutable, so a clone needs no copy of its
 * own. Idempotent; strings keep tfjs' kernel. @internal
 */
export function shareIdentityOnWasm(): void {
  if (installed) return;
  const copying = tf.getKernel('Identity', 'wasm');
  if (copying === undefined) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs['x'] as tf.TensorInfo;
      const backend = args.backend as unknown as SharingBackend;
      if (x.dtype === 'string' || typeof backend.incRef !== 'function') return copying.kernelFunc(args);
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  installed = true;
}
