/**
 * `@deepigeos/rnet/worker`: the DeepIGeoS pipeline (P-Net + CRF-Net(f) segmentation, geodesic
 * maps + R-Net + CRF-Net(fu) refinement) in a Web Worker, with progress and cancel.
 * @packageDocumentation
 */
export { PipelineCancelledError, PipelineWorker, PipelineWorkerError, type PipelineWorkerOptions } from './client.js';
export { loadNetworkFiles, PipelineHost, type ProgressSink } from './host.js';
export type {
  NetworkConfig,
  NetworkFiles,
  PipelineBackendOptions,
  PipelineInfo,
  PipelineNetworks,
  PipelineProgress,
  PipelineResult,
  PipelineVolume,
  RefineRequest,
  SegmentRequest,
  TrainedNetworkFiles,
} from './protocol.js';
export type { TestTimeFlips } from '../flip-ensemble.js';
export { nonZeroBox, zScoreNonZero } from '../preprocess.js';
