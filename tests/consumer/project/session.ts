// A user's Node program: a volume through io-nifti, P-Net and an R-Net refinement session.
import { isDeepIGeoSError } from '@deepigeos/core';
import { niftiFromVolume, readNifti, volumeFromNifti, writeNifti } from '@deepigeos/io-nifti';
import { ArgumentError, convolutionImplementation } from '@deepigeos/pnet';
import { createPNet3D, createRNet3D, InteractiveSession, initBackend, segmentationMetrics } from '@deepigeos/rnet';

const backend = await initBackend();
const shape: [number, number, number] = [8, 24, 24];
const [D, H, W] = shape;
const data = new Float32Array(D * H * W);
const truth = new Uint8Array(D * H * W);
for (let d = 0; d < D; d++) {
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      const inside = ((d - 4) / 3) ** 2 + ((h - 12) / 7) ** 2 + ((w - 11) / 7) ** 2 < 1;
      data[(d * H + h) * W + w] = inside ? 1 : 0;
      truth[(d * H + h) * W + w] = inside ? 1 : 0;
    }
  }
}
await writeNifti('ball.nii.gz', niftiFromVolume({ data, shape, spacing: [2, 1, 1] }));
const volume = volumeFromNifti(await readNifti('ball.nii.gz'));

const session = new InteractiveSession({
  pnet: createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 }),
  rnet: createRNet3D({ imageChannels: 1, channels: 4 }),
});
await session.segment({ data: volume.data, shape: volume.shape, spacing: volume.spacing });
await session.addSeeds('fg', [[4, 12, 11]]);
await session.addSeeds('bg', [[0, 0, 0]]);
const { mask } = await session.refine();
const dice = segmentationMetrics(mask, truth, shape, volume.spacing).dice;

let typedError = false;
try {
  await session.addSeeds('fg', [[99, 0, 0]]);
} catch (error) {
  typedError = error instanceof ArgumentError && isDeepIGeoSError(error, 'ERR_DEEPIGEOS_ARGUMENT');
}
console.log(
  JSON.stringify({
    backend,
    convolutions: convolutionImplementation(),
    shape: volume.shape,
    seedsHonoured: mask[(4 * H + 12) * W + 11] === 1 && mask[0] === 0,
    dice: Number.isFinite(dice),
    typedError,
  }),
);
