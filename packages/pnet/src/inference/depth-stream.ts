import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DilatedConv } from '../layers/dilated-conv.js';
import { PNetBlock } from '../layers/pnet-block.js';
import { applyBatchNorm } from '../layers/batch-norm.js';
import { samePads } from '../ops/conv2d-fast.js';
import { depthTapRows, type RowReader } from '../ops/conv3d-fast.js';
import { sliceRows } from '../ops/slice-rows.js';
import { POINTWISE_LAYERS } from './receptive-field.js';

/**
 * One operation of a 3D model seen as a stream of depth slices: it turns the rows
 * `[z − before, z + after]` of its inputs into its output row `z`.
 */
interface StreamNode {
  inputs: number[];
  /** Depth halo read on the inputs (0 for operations local to a slice). */
  before: number;
  after: number;
  /** Output rows `[from, to)` (`[to − from, H, W, C]`), reading input rows through `inputs` (one reader per input). */
  compute(inputs: RowReader[], from: number, to: number): tf.Tensor4D;
}

/**
 * A 3D model as a graph of depth-streamable operations (node 0 is the input, the last node the
 * output), or undefined when a layer is not one this executor knows.
 */
export interface DepthStreamPlan {
  nodes: StreamNode[];
  /** Receptive-field radius along depth: output rows `[a, b)` need input rows `[a − margin, b + margin)`. */
  margin: number;
  /** Most channels of any operation's output (sizes the slabs). */
  maxChannels: number;
}

/** Values per layer slab (8 M floats, 32 MB): rows kept per layer come in slabs, so this bounds memory. */
const SLAB_VALUES = 8 * 2 ** 20;

/**
 * Rows per streamed slab: `requested`, capped so one layer's slab of an `[H, W]` plane stays
 * within 32 MB (on a 240×240 plane with 16 channels, 9 rows; on 96×96, 56).
 */
export function streamSlabRows(plan: DepthStreamPlan, plane: [number, number], requested: number): number {
  return Math.max(1, Math.min(requested, Math.floor(SLAB_VALUES / (plane[0] * plane[1] * plan.maxChannels))));
}

/** Progress steps of streaming `rows` output rows in slabs of `slab`: one per slab, the last may be partial. */
export function streamSteps(rows: number, slab: number): number {
  return Math.ceil(rows / slab);
}

type LayerWithNodes = tfl.layers.Layer & { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] };

/**
 * Builds the streaming plan of a single-input, single-output 3D model made of {@link PNetBlock},
 * {@link DilatedConv} and slice-local layers (concatenation, dropout, batch norm, activations).
 */
export function depthStreamPlan(model: tfl.LayersModel): DepthStreamPlan | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || model.inputs[0]!.shape.length !== 5) return undefined;
  const nodes: StreamNode[] = [];
  const outputOf = new Map<tfl.layers.Layer, number>();
  const add = (node: StreamNode) => nodes.push(node) - 1;
  for (const layer of model.layers as LayerWithNodes[]) {
    if (layer.inboundNodes.length !== 1) return undefined; // shared layers
    const inputs = layer.inboundNodes[0]!.inboundLayers.map((l) => outputOf.get(l));
    if (inputs.some((i) => i === undefined)) return undefined;
    const ids = inputs as number[];
    const className = layer.getClassName();
    if (className === 'InputLayer') {
      // Its rows come from the volume data (streamDepth reads them itself).
      outputOf.set(layer, add({ inputs: [], before: 0, after: 0, compute: () => { throw new Error('input node'); } }));
    } else if (layer instanceof DilatedConv) {
      const [kernel, bias] = layer.weights.map((w) => w.read());
      outputOf.set(layer, add(convNode(ids[0]!, kernel as tf.Tensor5D, bias as tf.Tensor1D | undefined, layer.dilationRate, layer.relu)));
    } else if (layer instanceof PNetBlock) {
      let x = ids[0]!;
      layer.layerWeights().forEach((conv, i) => {
        const { dilation } = layer.layerGeometry(i);
        const bn = conv.batchNorm;
        x = add(convNode(x, conv.kernel.read() as tf.Tensor5D, conv.bias.read() as tf.Tensor1D, dilation, bn === undefined));
        if (bn !== undefined) {
          const settings = { momentum: layer.momentum, epsilon: layer.epsilon };
          x = add({ inputs: [x], before: 0, after: 0, compute: ([read], from, to) => tf.relu(applyBatchNorm(read!(from, to), bn, false, settings)) as tf.Tensor4D });
        }
      });
      outputOf.set(layer, x);
    } else if (className === 'Dropout') {
      outputOf.set(layer, ids[0]!); // identity at inference
    } else if (POINTWISE_LAYERS.has(className)) {
      outputOf.set(layer, add(sliceLocalNode(layer, ids)));
    } else {
      return undefined;
    }
  }
  const output = outputOf.get(model.outputLayers[0]!);
  if (output !== nodes.length - 1) return undefined;
  // Depth margin: the longest chain of halos from the input to the output.
  const reach = nodes.map(() => 0);
  nodes.forEach((node, n) => {
    for (const i of node.inputs) reach[n] = Math.max(reach[n]!, reach[i]! + Math.max(node.before, node.after));
  });
  const maxChannels = Math.max(...model.layers.map((l) => (l.outputShape as (number | null)[]).at(-1) ?? 1));
  return { nodes, margin: reach[output]!, maxChannels };
}

function convNode(input: number, kernel: tf.Tensor5D, bias: tf.Tensor1D | undefined, dilation: number[], relu: boolean): StreamNode {
  const [before, after] = samePads(kernel.shape[0], dilation[0]!);
  const epilogue = { bias, relu };
  const dil = dilation as [number, number, number];
  return { inputs: [input], before, after, compute: ([read], from, to) => depthTapRows(read!, from - before, to - from, kernel, dil, epilogue) };
}

/** A layer that acts on each voxel (or slice) alone, applied to `[1, rows, H, W, C]` views. */
function sliceLocalNode(layer: tfl.layers.Layer, inputs: number[]): StreamNode {
  return {
    inputs,
    before: 0,
    after: 0,
    compute: (readers, from, to) => {
      const views = readers.map((read) => tf.expandDims(read(from, to), 0));
      const out = layer.apply(views.length === 1 ? views[0]! : views) as tf.Tensor;
      // squeeze makes a new handle even when the layer is an identity (its input rows are freed separately).
      return tf.squeeze(out, [0]) as tf.Tensor4D;
    },
  };
}

/** Input rows of a streamed prediction: rows `[rowOffset, rowOffset + data rows)` of a volume of `depth` slices. */
export interface StreamInput {
  /** Channels-last `[rows, H, W, C]` values. */
  data: Float32Array;
  /** `[rows, H, W, C]`. */
  shape: number[];
  /** Volume row of `data`'s first row. */
  rowOffset: number;
  /** Depth of the whole volume (rows outside [0, depth) are zero padding). */
  depth: number;
}

/**
 * Predicts output rows `[from, to)` of a 3D model by streaming depth slabs through its plan:
 * every operation computes only the rows its consumers still need, `slab` rows at a time, and
 * keeps only the rows a later step will read (its consumers' depth halo). Exact: each row sees
 * the same inputs as in a whole-volume prediction (zeros outside the volume), and no row of any
 * layer is computed twice. `emit(row, values)` receives each finished slab of output rows
 * (`[rows, H, W, classes]`, after `transform`) in order.
 */
export function streamDepth(
  plan: DepthStreamPlan,
  input: StreamInput,
  range: [from: number, to: number],
  slab: number,
  transform: (logits: tf.Tensor4D) => tf.Tensor4D,
  emit: (row: number, values: Float32Array) => void,
): void {
  const { nodes } = plan;
  const [rowsIn, h, w, channels] = input.shape as [number, number, number, number];
  const depth = input.depth;
  const last = nodes.length - 1;
  // Rows each node must produce: the output range grown by the halos of the consumers.
  const lo = nodes.map(() => Number.POSITIVE_INFINITY);
  const hi = nodes.map(() => Number.NEGATIVE_INFINITY);
  lo[last] = range[0];
  hi[last] = range[1];
  const consumers: number[][] = nodes.map(() => []);
  for (let n = last; n >= 0; n--) {
    const node = nodes[n]!;
    for (const i of node.inputs) {
      consumers[i]!.push(n);
      lo[i] = Math.min(lo[i]!, Math.max(0, lo[n]! - node.before));
      hi[i] = Math.max(hi[i]!, Math.min(depth, hi[n]! + node.after));
    }
  }
  if (lo[0]! < input.rowOffset || hi[0]! > input.rowOffset + rowsIn) {
    throw new Error(`streamDepth: rows [${range}] need input rows [${lo[0]}, ${hi[0]}), given [${input.rowOffset}, ${input.rowOffset + rowsIn})`);
  }
  const produced = [...lo];
  const chunks: { start: number; rows: tf.Tensor4D }[][] = nodes.map(() => []);
  const finished = (n: number) => produced[n]! >= hi[n]!;

  // Rows [a, b) of node n from its kept chunks, zeros outside the volume.
  const read = (n: number, a: number, b: number, c: number): tf.Tensor4D => {
    const pieces: tf.Tensor[] = [];
    if (a < 0) pieces.push(tf.zeros([Math.min(b, 0) - a, h, w, c]));
    for (const chunk of chunks[n]!) {
      const s = Math.max(a, chunk.start);
      const e = Math.min(b, chunk.start + chunk.rows.shape[0]);
      if (e <= s) continue;
      // A whole chunk is shared, not copied (a reshape is a new handle on the same data; wasm's clone copies).
      pieces.push(s === chunk.start && e - s === chunk.rows.shape[0] ? tf.reshape(chunk.rows, chunk.rows.shape) : sliceRows(chunk.rows, s - chunk.start, e - s));
    }
    if (b > depth) pieces.push(tf.zeros([b - Math.max(a, depth), h, w, c]));
    return (pieces.length === 1 ? pieces[0]! : tf.concat(pieces, 0)) as tf.Tensor4D;
  };
  const channelsOf = nodes.map(() => channels);
  // Frees the rows of node i that no consumer will read again.
  const trim = (i: number) => {
    let keepFrom = Number.POSITIVE_INFINITY;
    for (const c of consumers[i]!) if (!finished(c)) keepFrom = Math.min(keepFrom, produced[c]! - nodes[c]!.before);
    const list = chunks[i]!;
    while (list.length > 0 && list[0]!.start + list[0]!.rows.shape[0] <= keepFrom) list.shift()!.rows.dispose();
  };

  let guard = 0;
  while (!finished(last)) {
    let progressed = false;
    for (let n = 0; n <= last; n++) {
      if (finished(n)) continue;
      const node = nodes[n]!;
      const z0 = produced[n]!;
      // Rows whose inputs (with halo) are ready; a finished input provides all it ever will.
      let ready = Math.min(hi[n]!, z0 + slab);
      for (const i of node.inputs) if (!finished(i)) ready = Math.min(ready, produced[i]! - node.after);
      if (ready <= z0) continue;
      const rows = tf.tidy(() => {
        if (n === 0) {
          const offset = (z0 - input.rowOffset) * h * w * channels;
          return tf.tensor4d(input.data.subarray(offset, offset + (ready - z0) * h * w * channels), [ready - z0, h, w, channels]);
        }
        return node.compute(
          node.inputs.map((i) => (from, to) => read(i, from, to, channelsOf[i]!)),
          z0,
          ready,
        );
      });
      channelsOf[n] = rows.shape[3];
      produced[n] = ready;
      progressed = true;
      if (n === last) {
        const values = tf.tidy(() => transform(rows));
        const data = values.dataSync() as Float32Array;
        tf.dispose([rows, values]);
        emit(z0, data);
      } else {
        chunks[n]!.push({ start: z0, rows });
      }
      // At once, so a chain of slice-local layers holds one slab at a time, not one per layer.
      for (const i of node.inputs) trim(i);
    }
    if (!progressed || ++guard > 1e6) throw new Error('streamDepth: no progress (internal error)');
  }
  for (const list of chunks) for (const c of list) c.rows.dispose();
}
