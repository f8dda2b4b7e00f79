// Page controller: wires the views, the buttons and the workspace to the segmentation pipeline.

import type { SessionResult } from '@deepigeos/rnet';
import { intensityWindow } from './intensity.js';
import { renderSliceRgba } from './render.js';
import { type BrushLabel, SeedLabel } from './scribbles.js';
import { SliceView, type StrokePhase } from './slice-view.js';
import { extractSlice, PLANES, sliceGeometry, sliceToVoxel, voxelToSlice } from './slices.js';
import { type SessionLike, type ViewVolume, Workspace } from './workspace.js';

/** A session ready for one volume, and what it runs on. */
export interface PreparedSession {
  session: SessionLike;
  /** The volume as the networks expect it (e.g. z-scored), same shape as the displayed data. */
  networkInput: Float32Array;
  /** tfjs backend that runs the networks (e.g. 'wasm'). */
  backend: string;
  /** Which networks run, for the status line (e.g. '2D P-Net + R-Net, per axial slice'). */
  networks: string;
}

/** What the app needs from the outside: loaders for volumes, networks and mask files. */
export interface AppServices {
  /** Decodes a NIfTI file (gzipped or not). */
  loadVolume(bytes: Uint8Array, name: string): Promise<ViewVolume>;
  /** Fetches the bundled sample's bytes. */
  fetchSample(): Promise<{ bytes: Uint8Array; name: string }>;
  /** Loads the networks (once) and creates an interactive session for a volume. */
  prepareSession(volume: ViewVolume): Promise<PreparedSession>;
  /** Encodes the mask as a `.nii.gz` aligned with the loaded volume. */
  encodeMask(volume: ViewVolume, mask: Uint8Array): Promise<Uint8Array>;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found as T;
}

/** Starts the app on the page's elements (see index.html). */
export function startApp(services: AppServices): void {
  const status = element<HTMLElement>('status');
  const message = element<HTMLElement>('message');
  const timingsList = element<HTMLOListElement>('timings');
  const backendLabel = element<HTMLElement>('backend');
  const buttons = {
    sample: element<HTMLButtonElement>('load-sample'),
    segment: element<HTMLButtonElement>('segment'),
    refine: element<HTMLButtonElement>('refine'),
    undo: element<HTMLButtonElement>('undo'),
    download: element<HTMLButtonElement>('download'),
  };
  const fileInput = element<HTMLInputElement>('file');
  const radius = element<HTMLInputElement>('brush-radius');
  let workspace: Workspace | undefined;
  let displayWindow: [number, number] = [0, 1];
  let busy = false;

  const brushLabel = (): BrushLabel =>
    (document.querySelector<HTMLInputElement>('input[name="brush"]:checked')?.value ?? 'foreground') === 'background'
      ? SeedLabel.background
      : SeedLabel.foreground;

  const views = PLANES.map((plane) => new SliceView(plane, element('views'), onStroke, () => drawViews(), onNavigate));

  /** The voxel where the three views cut each other: (axial, coronal, sagittal) slice = (d, h, w). */
  const cursor = (): [number, number, number] => [views[0]!.slice, views[1]!.slice, views[2]!.slice];

  function drawView(view: SliceView): void {
    if (!workspace) return;
    const { shape, spacing, data } = workspace.volume;
    const g = sliceGeometry(shape, spacing, view.plane);
    const mask = workspace.mask;
    view.draw(
      renderSliceRgba({
        width: g.width,
        height: g.height,
        image: extractSlice(data, shape, view.plane, view.slice),
        window: displayWindow,
        seeds: extractSlice(workspace.scribbles.labels, shape, view.plane, view.slice),
        ...(mask ? { mask: extractSlice(mask, shape, view.plane, view.slice) } : {}),
      }),
      voxelToSlice(shape, view.plane, cursor()),
    );
  }

  function drawViews(): void {
    for (const view of views) drawView(view);
  }

  /** Alt+click: show the clicked voxel in the other two views. */
  function onNavigate(view: SliceView, col: number, row: number): void {
    if (!workspace) return;
    const voxel = sliceToVoxel(workspace.volume.shape, view.plane, view.slice, col, row);
    for (const [axis, v] of views.entries()) v.setSlice(voxel[axis]!);
    drawViews();
  }

  function refresh(): void {
    drawViews();
    const ws = workspace;
    const fg = ws?.seedCount(SeedLabel.foreground) ?? 0;
    const bg = ws?.seedCount(SeedLabel.background) ?? 0;
    status.dataset['maskVoxels'] = String(ws?.maskVoxels() ?? 0);
    status.dataset['foregroundSeeds'] = String(fg);
    status.dataset['backgroundSeeds'] = String(bg);
    status.dataset['state'] = busy ? 'busy' : 'idle';
    buttons.segment.disabled = busy || !ws;
    buttons.refine.disabled = busy || !ws?.mask || fg + bg === 0;
    buttons.undo.disabled = busy || !ws || ws.undoDepth === 0;
    buttons.download.disabled = busy || !ws?.mask;
    buttons.sample.disabled = busy;
    fileInput.disabled = busy;
  }

  function report(text: string, isError = false): void {
    message.textContent = text;
    message.classList.toggle('error', isError);
    if (isError) status.dataset['error'] = text;
    else delete status.dataset['error'];
  }

  function logTimings(step: string, timings: Readonly<Record<string, number | undefined>>): void {
    const parts = Object.entries(timings).flatMap(([k, ms]) => (ms === undefined ? [] : [`${k} ${ms.toFixed(0)} ms`]));
    const item = document.createElement('li');
    item.textContent = `${step}: ${parts.join(', ')}`;
    timingsList.append(item);
  }

  async function run(label: string, task: () => Promise<void>): Promise<void> {
    busy = true;
    report(`${label}…`);
    refresh();
    try {
      await task();
    } catch (error) {
      report(`${label} failed: ${(error as Error).message}`, true);
      console.error(error);
    } finally {
      busy = false;
      refresh();
    }
  }

  async function open(bytes: Uint8Array, name: string): Promise<void> {
    const t0 = performance.now();
    const volume = await services.loadVolume(bytes, name);
    const t1 = performance.now();
    const { session, networkInput, backend, networks } = await services.prepareSession(volume);
    workspace = new Workspace(volume, session, networkInput);
    displayWindow = intensityWindow(volume.data);
    for (const view of views) view.setVolume(volume.shape, volume.spacing);
    backendLabel.textContent = `${backend} (${networks})`;
    status.dataset['backend'] = backend;
    logTimings(`open ${name}`, { decode: t1 - t0, 'prepare networks': performance.now() - t1 });
    report(`${name}: ${volume.shape.join(' × ')} voxels (D × H × W), spacing ${volume.spacing.join(' × ')} mm.`);
  }

  /** Runs a session step and logs it under the names of the stages that actually ran. */
  async function applyStep(work: Promise<SessionResult>): Promise<void> {
    const { timings, round } = await work;
    const step =
      round === 0 ? `P-Net${timings.crfF === undefined ? '' : ' + CRF-Net(f)'}` : `R-Net${timings.crfFU === undefined ? '' : ' + CRF-Net(fu)'} (round ${round})`;
    logTimings(step, { ...timings });
    // Machine-readable for tests and benchmarks.
    status.dataset['lastTimings'] = JSON.stringify(timings);
    report(`${step}: ${workspace!.maskVoxels()} voxels segmented.`);
  }

  function onStroke(phase: StrokePhase, view: SliceView, col: number, row: number): void {
    if (!workspace || busy) return;
    if (!workspace.mask) {
      if (phase === 'start') report('Segment the volume first: scribbles correct a segmentation.', true);
      return;
    }
    const scribbles = workspace.scribbles;
    if (phase === 'start') scribbles.beginStroke(brushLabel(), view.plane, view.slice, Number(radius.value));
    scribbles.extendStroke(col, row);
    if (phase !== 'end') {
      // While dragging only this view changes; the others pick the seeds up on release.
      drawView(view);
      return;
    }
    const ws = workspace;
    void run('Adding seeds', async () => {
      await ws.commitStroke(scribbles.endStroke());
      report('Scribble added: refine, scribble more or undo.');
    });
  }

  buttons.sample.addEventListener('click', () =>
    run('Loading the sample', async () => {
      const { bytes, name } = await services.fetchSample();
      await open(bytes, name);
    }),
  );
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void run(`Loading ${file.name}`, async () => open(new Uint8Array(await file.arrayBuffer()), file.name));
  });
  buttons.segment.addEventListener('click', () => run('Segmenting', () => applyStep(workspace!.segment())));
  buttons.refine.addEventListener('click', () => run('Refining', () => applyStep(workspace!.refine())));
  buttons.undo.addEventListener('click', () => {
    const entry = workspace?.undo();
    if (entry) report(entry.kind === 'stroke' ? 'Undid a scribble.' : 'Undid a refinement.');
    refresh();
  });
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 'z' && !buttons.undo.disabled) {
      event.preventDefault();
      buttons.undo.click();
    }
  });
  buttons.download.addEventListener('click', () =>
    run('Encoding the mask', async () => {
      const bytes = await services.encodeMask(workspace!.volume, workspace!.mask!);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/gzip' }));
      link.download = `${workspace!.volume.name.replace(/\.nii(\.gz)?$/, '')}_mask.nii.gz`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      report(`Saved ${link.download}.`);
    }),
  );
  refresh();
  report('Open a NIfTI volume or load the sample.');
}
