// Installs the Node-only services of platform.ts: checkpoint directories, worker threads and the
// native convolution addon.
// Imported by the Node entry only, so browser bundles never see Node built-ins.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { closePredictWorkers, workerPredictor } from './inference/worker-pool.js';
import './native-conv-addon.js';
import { platform } from './platform.js';

platform.writeFiles = async (dir, files) => {
  await mkdir(dir, { recursive: true });
  // Each file goes to a temporary name first and is renamed into place once complete, so an
  // interrupted save never leaves a truncated file; callers list model.json last.
  for (const [name, data] of files) {
    const path = join(dir, name);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, path);
  }
};
platform.readFile = async (dir, name) => new Uint8Array(await readFile(join(dir, name)));
platform.workerPredictor = workerPredictor;
platform.closeWorkers = closePredictWorkers;
