/**
 * Trainable dilated-convolution blocks and the DeepIGeoS P-Net (2D/3D) for TensorFlow.js, with
 * PyTorch weight exchange. Call {@link initBackend} (and await it) before building models.
 * @packageDocumentation
 */
// Node entry: installs the Node-only services (checkpoint directories, worker threads).
import './node-platform.js';

export * from './exports.js';
