// A user's browser page, bundled by Vite: the getting-started recipe for tfjs' .wasm files, then
// P-Net and an R-Net refinement of a small image.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { activeBackend, createPNet2D, createRNet2D, InteractiveSession, initBackend } from '@deepigeos/rnet';

async function run() {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn(...args);
  };
  await initBackend(undefined, {
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
    },
  });
  const [H, W] = [32, 32];
  const image = Float32Array.from({ length: H * W }, (_, i) => ((Math.floor(i / W) - 16) ** 2 + ((i % W) - 14) ** 2 < 64 ? 1 : 0));
  const session = new InteractiveSession({
    pnet: createPNet2D({ inputChannels: 1, numClasses: 2, channels: 8 }),
    rnet: createRNet2D({ imageChannels: 1, channels: 8 }),
  });
  await session.segment({ data: image, shape: [H, W], spacing: [1, 1] });
  await session.addSeeds('fg', [[16, 14]]);
  await session.addSeeds('bg', [[1, 1]]);
  const { mask } = await session.refine();
  return { backend: activeBackend(), seedsHonoured: mask[16 * W + 14] === 1 && mask[W + 1] === 0, warnings };
}

run().then(
  (value) => Object.assign(window, { __result: { ok: true, value } }),
  (error) => Object.assign(window, { __result: { ok: false, error: String(error?.stack ?? error) } }),
);
