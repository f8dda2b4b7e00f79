import type * as tfl from '@tensorflow/tfjs-layers';
import { ShapeError } from '../errors.js';
import { DilatedConv } from '../layers/dilated-conv.js';
import { PNetBlock } from '../layers/pnet-block.js';

/** Layers that never look at neighbouring voxels. @internal */
export const POINTWISE_LAYERS = new Set(['InputLayer', 'ChannelConcat', 'Concatenate', 'Dropout', 'BatchNormND', 'Activation', 'ReLU']);

/** Half-width of a 'same' kernel per axis, as [D, H, W] (2D kernels get D = 0). */
function radius(kernelSize: number[], dilation: number[]): number[] {
  const r = kernelSize.map((k, i) => Math.ceil((dilation[i]! * (k - 1)) / 2));
  return r.length === 2 ? [0, ...r] : r;
}

/**
 * An upper bound of a model's receptive-field radius per axis `[D, H, W]` (2D models: D = 0):
 * the sum of every convolution's half-width. A prediction cropped this far from a window edge
 * equals the whole-volume prediction. 3D P-Net: [32, 91, 91]; 2D P-Net: [0, 90, 90].
 *
 * @throws {@link ShapeError} for layers whose spatial extent is unknown (pass `margin` explicitly).
 */
export function receptiveFieldMargin(model: tfl.LayersModel): [number, number, number] {
  const total = [0, 0, 0];
  const add = (r: number[]) => {
    r.forEach((v, i) => {
      total[i]! += v;
    });
  };
  for (const layer of model.layers) {
    if (layer instanceof DilatedConv) add(radius(layer.kernelSize, layer.dilationRate));
    else if (layer instanceof PNetBlock) {
      for (let i = 0; i < layer.numLayers; i++) {
        const g = layer.layerGeometry(i);
        add(radius(g.kernelSize, g.dilation));
      }
    } else if (!POINTWISE_LAYERS.has(layer.getClassName())) {
      throw new ShapeError(
        `receptiveFieldMargin: cannot tell the spatial extent of layer '${layer.name}' (${layer.getClassName()}); pass options.margin explicitly`,
      );
    }
  }
  return total as [number, number, number];
}
