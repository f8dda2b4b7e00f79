/**
 * Training outputs for humans: TensorBoard event files (TFRecord + `Event` protos with scalar
 * summaries) and a self-contained HTML report with loss/Dice curves and prediction overlays.
 * @module report
 */
export { crc32c, maskCrc32c } from './crc32c.js';
export { ReportInputError } from './errors.js';
export {
  decodeEvent,
  EVENT_FILE_VERSION_STRING,
  encodeFileVersionEvent,
  encodeScalarEvent,
  type ScalarEvent,
} from './event.js';
export { createEventWriter, type EventWriter, type EventWriterOptions, readEventFile } from './event-writer.js';
export {
  type ChartSpec,
  defaultCharts,
  renderTrainingReport,
  type TrainingReportInput,
  writeTrainingReport,
} from './html-report.js';
export { type MetricRecord, parseMetricsJsonl } from './metrics-log.js';
export {
  encodeOverlayPng,
  type OverlayImage,
  overlayPngDataUrl,
  PREDICTION_ALPHA,
  renderOverlayRgba,
} from './overlay.js';
export { type ChartSeries, type LineChartOptions, niceStep, renderLineChartSvg } from './svg-chart.js';
export { decodeTfRecords, encodeTfRecord } from './tfrecord.js';
