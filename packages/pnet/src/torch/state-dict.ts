import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { formatShape, StateDictError } from '../errors.js';
import type { BatchNormVariables } from '../layers/batch-norm.js';
import { BatchNormND } from '../layers/batch-norm.js';
import { DilatedConv } from '../layers/dilated-conv.js';
import { PNetBlock } from '../layers/pnet-block.js';
import { invertPermutation, permute } from './permute.js';
import { type NamedTensor, readSafetensors, writeSafetensors } from './safetensors.js';

/**
 * Our conv kernels are `[...spatial, Cin, Cout]` with spatial (D, H, W) or (H, W); PyTorch's are
 * `[Cout, Cin, ...spatial]`. In 3D, PyTorch tensors of the reimplementation are N,C,X,Y,Z with X
 * the fastest NIfTI axis, i.e. our W, H, D reversed; in 2D both use (H, W).
 * Entry i of a permutation is the PyTorch axis that becomes our axis i.
 */
const TORCH_TO_OURS: Record<number, number[]> = { 4: [2, 3, 1, 0], 5: [4, 3, 2, 1, 0] };

/** One PyTorch state-dict entry bound to one of our variables. */
interface Slot {
  key: string;
  variable: tfl.LayerVariable;
  isConvKernel: boolean;
}

function bnSlots(prefix: string, bn: BatchNormVariables): Slot[] {
  return [
    { key: `${prefix}.weight`, variable: bn.gamma, isConvKernel: false },
    { key: `${prefix}.bias`, variable: bn.beta, isConvKernel: false },
    { key: `${prefix}.running_mean`, variable: bn.movingMean, isConvKernel: false },
    { key: `${prefix}.running_var`, variable: bn.movingVariance, isConvKernel: false },
  ];
}

/**
 * The PyTorch keys of a model, from its layer names: a {@link DilatedConv} named `P` is
 * `P.weight`/`P.bias`; a {@link PNetBlock} named `P` is an `nn.Sequential` of conv (, BN), ReLU
 * per layer (`P.0.weight`, `P.2.weight`, … or with BN `P.0`, `P.1` (BN), `P.3`, …); a
 * {@link BatchNormND} named `P` is `P.weight`, `P.bias`, `P.running_mean`, `P.running_var`.
 */
function torchSlots(model: tfl.LayersModel): { slots: Slot[]; bnPrefixes: Set<string> } {
  const slots: Slot[] = [];
  const bnPrefixes = new Set<string>();
  for (const layer of model.layers) {
    if (layer instanceof PNetBlock) {
      const step = layer.batchNorm ? 3 : 2;
      layer.layerWeights().forEach((w, j) => {
        slots.push({ key: `${layer.name}.${step * j}.weight`, variable: w.kernel, isConvKernel: true });
        slots.push({ key: `${layer.name}.${step * j}.bias`, variable: w.bias, isConvKernel: false });
        if (w.batchNorm !== undefined) {
          const prefix = `${layer.name}.${step * j + 1}`;
          slots.push(...bnSlots(prefix, w.batchNorm));
          bnPrefixes.add(prefix);
        }
      });
    } else if (layer instanceof DilatedConv) {
      const [kernel, bias] = layer.weights;
      slots.push({ key: `${layer.name}.weight`, variable: kernel!, isConvKernel: true });
      if (bias !== undefined) slots.push({ key: `${layer.name}.bias`, variable: bias, isConvKernel: false });
    } else if (layer instanceof BatchNormND) {
      const [gamma, beta, movingMean, movingVariance] = layer.weights;
      slots.push(...bnSlots(layer.name, { gamma: gamma!, beta: beta!, movingMean: movingMean!, movingVariance: movingVariance! }));
      bnPrefixes.add(layer.name);
    } else if (layer.weights.length > 0) {
      throw new StateDictError(
        `layer '${layer.name}' (${layer.getClassName()}) has weights but no PyTorch mapping; ` +
          'only DilatedConv, PNetBlock and BatchNormND layers are exchanged',
      );
    }
  }
  return { slots, bnPrefixes };
}

/** Our variable's shape in PyTorch layout. */
function torchShape(slot: Slot): number[] {
  const shape = slot.variable.shape as number[];
  if (!slot.isConvKernel) return shape;
  const toTorch = invertPermutation(TORCH_TO_OURS[shape.length]!);
  return toTorch.map((p) => shape[p]!);
}

/**
 * Loads PyTorch weights (a safetensors buffer of a `state_dict()`, key names as in `P_RNet3D`:
 * `block1.0.weight`, …, `block1_downsample.0.weight`, …, `block6.1.*`, `block6.4.*`) into a
 * model built by {@link createPNet3D} / {@link createPNet2D} (or any model whose weighted layers
 * are named by their PyTorch prefix). Conv kernels are converted from `[Cout, Cin, X, Y, Z]` to
 * `[D, H, W, Cin, Cout]` (2D: `[Cout, Cin, H, W]` to `[H, W, Cin, Cout]`). F16/BF16/F64 are
 * converted to float32; BatchNorm `num_batches_tracked` is ignored.
 *
 * @throws {@link StateDictError} naming every missing, extra or mis-shaped key.
 */
export function importTorchStateDict(model: tfl.LayersModel, safetensors: Uint8Array): void {
  const { slots, bnPrefixes } = torchSlots(model);
  const { tensors, ignored } = readSafetensors(safetensors);
  const problems: string[] = [];
  const known = new Set(slots.map((s) => s.key));
  for (const slot of slots) {
    const t = tensors.get(slot.key);
    const expected = torchShape(slot);
    if (t === undefined) problems.push(`missing key '${slot.key}' (expected shape ${formatShape(expected)})`);
    else if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      problems.push(`key '${slot.key}' has shape ${formatShape(t.shape)}, expected ${formatShape(expected)}`);
    }
  }
  for (const key of [...tensors.keys(), ...ignored]) {
    const bnCounter = key.endsWith('.num_batches_tracked') && bnPrefixes.has(key.slice(0, -'.num_batches_tracked'.length));
    if (!known.has(key) && !bnCounter) problems.push(`unexpected key '${key}'`);
  }
  if (problems.length > 0) {
    throw new StateDictError(`importTorchStateDict: state dict does not match model '${model.name}': ${problems.join('; ')}`);
  }
  for (const slot of slots) {
    const t = tensors.get(slot.key)!;
    const value = slot.isConvKernel ? permute(t.data, t.shape, TORCH_TO_OURS[t.shape.length]!) : t;
    slot.variable.write(tf.tensor(value.data, value.shape, 'float32'));
  }
}

/**
 * Writes a model's weights as a PyTorch `state_dict()` in safetensors format (float32), keys
 * and layouts as {@link importTorchStateDict} expects, so `model.load_state_dict(...)` accepts it
 * in PyTorch (`safetensors.torch.load_file`). BatchNorm `num_batches_tracked` is not written
 * (PyTorch fills it in when loading a dict without version metadata).
 */
export function exportTorchStateDict(model: tfl.LayersModel): Uint8Array {
  const { slots } = torchSlots(model);
  const out = new Map<string, NamedTensor>();
  for (const slot of slots) {
    const data = slot.variable.read().dataSync() as Float32Array;
    const shape = slot.variable.shape as number[];
    out.set(slot.key, slot.isConvKernel ? permute(data, shape, invertPermutation(TORCH_TO_OURS[shape.length]!)) : { data: Float32Array.from(data), shape });
  }
  return writeSafetensors(out, { format: 'pt', producer: '@deepigeos/pnet' });
}
