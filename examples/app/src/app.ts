// The page: wires the controls to the image, the seeds, the history, the viewer and the pipeline
// worker. Everything runs in this tab; the networks run in a Web Worker, so the page stays
// responsive, shows progress and can cancel.
import { dice, type Roi } from '@deepigeos/rnet';
import {
  nonZeroBox,
  PipelineCancelledError,
  type PipelineInfo,
  type PipelineNetworks,
  type PipelineProgress,
  PipelineWorker,
} from '@deepigeos/rnet/worker';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { bundledNetworks, bundledPairs, bundledSample } from './bundled.js';
import { AppError } from './errors.js';
import { type Action, History, type Result } from './history.js';
import {
  type AppImage,
  canonicalRegion,
  canonicalVoxels,
  encodeMask,
  type Frames4D,
  fromCanonicalOrder,
  networkInput,
  openImages,
  openMask,
  pasteCanonicalRegion,
  prepareCanonicalIndex,
  toCanonicalOrder,
} from './image.js';
import { type SeedLabel, SeedVolume } from './seeds.js';
import { clearWork, loadWork, type SavedWork, saveWork } from './store.js';
import { yieldToPage } from './tasks.js';
import { type Layout, type PointerHit, Viewer } from './viewer.js';

type Tool = 'none' | 'fg' | 'bg' | 'erase' | 'box';

/** A worker ready for jobs on the current image. */
interface Prepared {
  worker: PipelineWorker;
  info: PipelineInfo;
  channels: number[];
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Margin (voxels) around the seeds of the region a refinement recomputes, and its smallest side. */
const REFINE_MARGIN = 16;
const REFINE_MIN_SIZE = 48;

export class App {
  private readonly viewer: Viewer;
  private image?: AppImage;
  private files: { name: string; bytes: ArrayBuffer }[] = [];
  private labelFile?: { name: string; bytes: ArrayBuffer };
  private label?: Uint8Array;
  private seeds?: SeedVolume;
  private result?: Result;
  /** Segmentation box on the source grid, `[k, j, i]` order (row-major over `image.shape`). */
  private box?: Roi;
  private readonly history = new History();
  private tool: Tool = 'none';
  private pipeline?: { key: string; worker: PipelineWorker; info?: PipelineInfo; volumeKey?: string };
  /** The worker being readied for the current networks, image and channel (shared by a warm-up and the next job). */
  private preparing?: { key: string; promise: Promise<Prepared> };
  private customNetworks: Partial<PipelineNetworks> = {};
  /** Bumped when a network folder is picked or an image opened (the worker then gets new ones). */
  private customVersion = 0;
  private imageVersion = 0;
  private busy = false;
  /** True while files are being opened (busy, but not with a pipeline job). */
  private opening = false;
  private stroke?: { plane: 0 | 1 | 2; boxStart?: PointerHit };
  private saveTimer = 0;

  constructor() {
    this.viewer = new Viewer($<HTMLCanvasElement>('viewer'));
  }

  async start(): Promise<void> {
    await this.viewer.attach();
    const networks = $<HTMLSelectElement>('networks');
    for (const dim of bundledPairs()) networks.add(new Option(`bundled ${dim.toUpperCase()} P-Net + R-Net`, dim));
    networks.add(new Option('your own (pick both folders)', 'custom'));
    this.bind();
    this.refresh();
    try {
      const saved = await loadWork();
      if (saved) {
        await this.loading('restoring your work', () => this.restore(saved));
        this.warmUp();
      }
    } catch (error) {
      this.message(`could not restore the saved work: ${(error as Error).message}`, true);
    }
    this.setStatus('ready');
  }

  // ---- controls ----------------------------------------------------------------------------

  private bind(): void {
    const on = (id: string, event: string, handler: (e: Event) => unknown) => $(id).addEventListener(event, (e) => void this.guard(() => handler(e)));
    on('file-input', 'change', (e) => this.openFiles(filesOf(e)));
    on('load-sample', 'click', () => this.loadSample());
    on('label-input', 'change', (e) => this.openLabel(filesOf(e)[0]));
    on('mask-input', 'change', (e) => this.openExistingMask(filesOf(e)[0]));
    on('channel', 'change', () => this.viewer.showChannel(Number($<HTMLSelectElement>('channel').value)));
    on('networks', 'change', () => {
      this.refresh();
      this.warmUp();
    });
    on('pnet-folder', 'change', (e) => this.pickNetwork(e, 'pnet'));
    on('rnet-folder', 'change', (e) => this.pickNetwork(e, 'rnet'));
    on('run-pnet', 'click', () => this.segment());
    on('run-refine', 'click', () => this.refine());
    on('cancel', 'click', () => this.pipeline?.worker.cancel());
    on('undo', 'click', () => this.undoRedo('undo'));
    on('redo', 'click', () => this.undoRedo('redo'));
    on('clear-seeds', 'click', () => this.clearSeeds());
    on('export-seeds', 'click', () => this.exportSeeds());
    on('import-seeds', 'change', (e) => this.importSeeds(filesOf(e)[0]));
    on('save-seg', 'click', () => this.saveMask());
    on('clear-work', 'click', () => this.forget());
    on('clear-box', 'click', () => this.setBox(undefined));
    for (const [id, tool] of [['seed-fg', 'fg'], ['seed-bg', 'bg'], ['seed-erase', 'erase'], ['tool-box', 'box']] as const) {
      on(id, 'click', () => this.setTool(this.tool === tool ? 'none' : tool));
    }
    on('brush', 'input', () => {
      $('brush-value').textContent = $<HTMLInputElement>('brush').value;
    });
    on('layout', 'change', () => this.viewer.setLayout($<HTMLSelectElement>('layout').value as Layout));
    on('opacity', 'input', () => this.viewer.setOverlayOpacity(Number($<HTMLInputElement>('opacity').value)));
    on('overlays', 'change', () => this.viewer.setOverlaysVisible($<HTMLInputElement>('overlays').checked));
    on('drag-mode', 'change', () => this.viewer.setDragMode($<HTMLSelectElement>('drag-mode').value as 'contrast' | 'pan'));
    on('win-min', 'change', () => this.applyWindow());
    on('win-max', 'change', () => this.applyWindow());
    on('zoom-in', 'click', () => this.viewer.zoom(1.25));
    on('zoom-out', 'click', () => this.viewer.zoom(0.8));
    on('zoom-reset', 'click', () => this.viewer.zoom('reset'));
    document.addEventListener('keydown', (e) => this.key(e));
    const wrap = $('viewer-wrap');
    // Capture phase: with a tool active, the viewer (NiiVue) never sees the drag.
    for (const type of ['pointerdown', 'pointermove', 'pointerup', 'pointercancel'] as const) {
      wrap.addEventListener(type, (e) => this.pointer(e), { capture: true });
    }
    for (const type of ['mousedown', 'mousemove', 'mouseup'] as const) {
      wrap.addEventListener(type, (e) => (this.tool !== 'none' && e.button === 0 ? e.stopPropagation() : undefined), { capture: true });
    }
    wrap.addEventListener('dragover', (e) => {
      e.preventDefault();
      wrap.classList.add('dragover');
    });
    wrap.addEventListener('dragleave', () => wrap.classList.remove('dragover'));
    wrap.addEventListener('drop', (e) => {
      e.preventDefault();
      wrap.classList.remove('dragover');
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (files.length) void this.guard(() => this.openFiles(files));
    });
    this.viewer.nv.onLocationChange = () => this.readout();
  }

  private key(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA') return;
    const k = e.key;
    const ctrl = e.ctrlKey || e.metaKey;
    const run = (f: () => unknown) => {
      e.preventDefault();
      void this.guard(f);
    };
    if (ctrl && (k === 'z' || k === 'Z')) run(() => this.undoRedo(e.shiftKey ? 'redo' : 'undo'));
    else if (ctrl && k === 'y') run(() => this.undoRedo('redo'));
    else if (ctrl) return;
    else if (k === 'f') run(() => this.setTool(this.tool === 'fg' ? 'none' : 'fg'));
    else if (k === 'b') run(() => this.setTool(this.tool === 'bg' ? 'none' : 'bg'));
    else if (k === 'e') run(() => this.setTool(this.tool === 'erase' ? 'none' : 'erase'));
    else if (k === 'x') run(() => this.setTool(this.tool === 'box' ? 'none' : 'box'));
    else if (k === 'Escape') run(() => this.setTool('none'));
    else if (k === 'r' && !$<HTMLButtonElement>('run-refine').disabled) run(() => this.refine());
    else if (k === 's' && !$<HTMLButtonElement>('run-pnet').disabled) run(() => this.segment());
    else if (k === 'o') run(() => $('overlays').click());
    else if (k === '[' || k === ']') {
      run(() => {
        const brush = $<HTMLInputElement>('brush');
        brush.value = String(Number(brush.value) + (k === ']' ? 1 : -1));
        $('brush-value').textContent = brush.value;
      });
    } else if (k === 'ArrowUp' || k === 'PageUp' || k === 'ArrowDown' || k === 'PageDown') {
      run(() => this.viewer.moveSlice(this.viewer.mainPlane(), k === 'ArrowUp' || k === 'PageUp' ? 1 : -1));
    } else if (k === '+' || k === '=') run(() => this.viewer.zoom(1.25));
    else if (k === '-') run(() => this.viewer.zoom(0.8));
  }

  private setTool(tool: Tool): void {
    this.tool = tool;
    for (const [id, t] of [['seed-fg', 'fg'], ['seed-bg', 'bg'], ['seed-erase', 'erase'], ['tool-box', 'box']] as const) {
      $(id).setAttribute('aria-pressed', String(tool === t));
    }
    $('viewer').style.cursor = tool === 'none' ? '' : 'crosshair';
  }

  // ---- painting ----------------------------------------------------------------------------

  private pointer(e: PointerEvent): void {
    if (this.tool === 'none' || !this.seeds || (e.type === 'pointerdown' && e.button !== 0)) return;
    e.stopPropagation();
    e.preventDefault();
    const hit = this.viewer.hit(e);
    if (e.type === 'pointerdown') {
      if (!hit) return;
      $('viewer-wrap').setPointerCapture?.(e.pointerId);
      this.stroke = { plane: hit.plane };
      if (this.tool === 'box') {
        this.stroke.boxStart = hit;
        this.setBox(boxFrom(hit, hit, this.image!));
        return;
      }
      const label: SeedLabel = this.tool === 'fg' ? 1 : this.tool === 'bg' ? 2 : 0;
      this.seeds.begin(label, this.viewer.normalAxis(hit.plane), Number($<HTMLInputElement>('brush').value));
      this.seeds.paintTo(hit.voxel);
      this.viewer.setSeeds(this.seeds.labels);
      return;
    }
    if (!this.stroke) return;
    if (e.type === 'pointermove') {
      // A stroke stays in the view it started in.
      if (!hit || hit.plane !== this.stroke.plane) return;
      if (this.stroke.boxStart) this.setBox(boxFrom(this.stroke.boxStart, hit, this.image!));
      else {
        this.seeds.paintTo(hit.voxel);
        this.viewer.setSeeds(this.seeds.labels);
      }
      return;
    }
    // pointerup / pointercancel
    const boxStart = this.stroke.boxStart;
    this.stroke = undefined;
    if (boxStart) {
      if (hit && hit.plane === boxStart.plane) this.setBox(boxFrom(boxStart, hit, this.image!));
      regionInput('box').checked = true;
      this.setTool('none');
      return;
    }
    const edit = this.seeds.end();
    if (edit) this.record({ kind: 'seeds', edit });
  }

  private setBox(box: Roi | undefined): void {
    this.box = box;
    if (this.image) this.viewer.setBox(box ? boxOutline(box, this.image.shape) : undefined);
    this.persistSoon();
    this.refresh();
  }

  // ---- opening -----------------------------------------------------------------------------

  /** Opens image files (`nested`: as a step of another opening, e.g. the sample). */
  private async openFiles(files: File[], nested = false): Promise<void> {
    if (files.length === 0) return;
    await this.loading(
      'opening the image',
      async () => {
        const frames = $<HTMLSelectElement>('frames').value;
        const bytes = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
        await this.openImage(files, frames === 'channels' ? 'channels' : Number(frames));
        this.files = bytes;
        this.labelFile = undefined;
        this.persistSoon();
      },
      nested,
    );
    this.warmUp();
  }

  private async loadSample(): Promise<void> {
    await this.loading('loading the sample', async () => {
      const sample = await bundledSample();
      await this.openFiles([sample.image], true);
      if (sample.label) await this.openLabel(sample.label);
    });
  }

  /**
   * Runs an opening step with the status named and the controls disabled. `nested` steps run
   * inside the opening that called them; any other opening waits its turn: it is refused, with a
   * message, while one runs (two at once would leave the viewer and the networks on different images).
   */
  private async loading(step: string, work: () => Promise<void>, nested = false): Promise<void> {
    if (this.busy && !(nested && this.opening)) {
      if (this.opening) this.message('an image is still opening: try again once it is shown', true);
      return;
    }
    const outer = !this.opening;
    this.opening = true;
    this.busy = true;
    this.setStatus(step);
    this.refresh();
    try {
      await work();
    } finally {
      if (outer) {
        this.opening = false;
        this.busy = false;
        this.setStatus('ready');
        this.refresh();
      }
    }
  }

  private async openImage(files: File[], frames: Frames4D): Promise<void> {
    const image = await openImages(files, frames);
    // Shown first: if the viewer cannot show it, the app stays on the previous image.
    if (!(await this.viewer.show(image, 0))) return; // overtaken by a newer image
    this.image = image;
    this.imageVersion++;
    this.seeds = new SeedVolume([image.shape[2], image.shape[1], image.shape[0]]);
    this.result = undefined;
    this.label = undefined;
    this.box = undefined;
    this.history.clear();
    const channel = $<HTMLSelectElement>('channel');
    channel.replaceChildren(...image.channelNames.map((n, i) => new Option(n, String(i))));
    const [lo, hi] = this.viewer.window();
    $<HTMLInputElement>('win-min').value = lo.toPrecision(4);
    $<HTMLInputElement>('win-max').value = hi.toPrecision(4);
    $('dice').hidden = true;
    const [nz, ny, nx] = image.shape;
    this.message(`${image.name}: ${nx}×${ny}×${nz} voxels, ${image.spacing.slice().reverse().map((s) => +s.toFixed(3)).join('×')} mm, ${image.channels.length} channel(s)`);
    this.refresh();
    // The source → canonical index the refinements use, built while the user looks at the image.
    void prepareCanonicalIndex(image);
  }

  private async openLabel(file: File | undefined): Promise<void> {
    if (!file) return;
    const image = this.requireImage();
    this.label = await openMask(file, image);
    this.labelFile = { name: file.name, bytes: await file.arrayBuffer() };
    this.showDice();
    this.persistSoon();
  }

  private async openExistingMask(file: File | undefined): Promise<void> {
    if (!file) return;
    const mask = await openMask(file, this.requireImage());
    this.setResult({ probability: Float32Array.from(mask), mask, origin: file.name });
  }

  private async pickNetwork(e: Event, role: 'pnet' | 'rnet'): Promise<void> {
    const files = filesOf(e);
    if (!files.length) return;
    // Loaded on demand: reading PyTorch weights needs tfjs on the page, which nothing else does.
    const { readNetworkFolder } = await import('./user-networks.js');
    this.customNetworks[role] = await readNetworkFolder(files, role === 'pnet' ? 'P-Net' : 'R-Net');
    this.customVersion++;
    $<HTMLSelectElement>('networks').value = 'custom';
    this.message(`${role === 'pnet' ? 'P-Net' : 'R-Net'} loaded from ${files[0]!.webkitRelativePath.split('/')[0]} (${this.customNetworks[role]!.config.dim}D)`);
    this.refresh();
  }

  // ---- the networks ------------------------------------------------------------------------

  /** The pipeline worker for the chosen networks, with the current volume set. */
  private ready(quiet = false): Promise<Prepared> {
    const choice = $<HTMLSelectElement>('networks').value;
    const key = `${choice === 'custom' ? `custom#${this.customVersion}` : choice}|${this.imageVersion}|${$<HTMLSelectElement>('channel').value}`;
    if (this.preparing?.key === key) return this.preparing.promise;
    const promise = this.prepare(quiet);
    this.preparing = { key, promise };
    promise.catch(() => {
      if (this.preparing?.promise === promise) this.preparing = undefined;
    });
    return promise;
  }

  /** Starts the worker for the chosen networks (first time) and sends it the current volume (when new). */
  private async prepare(quiet: boolean): Promise<Prepared> {
    const image = this.requireImage();
    const status = (text: string) => (quiet ? undefined : this.setStatus(text));
    const choice = $<HTMLSelectElement>('networks').value;
    const key = choice === 'custom' ? `custom#${this.customVersion}` : choice;
    if (this.pipeline?.key !== key) {
      status('loading the networks');
      let networks: PipelineNetworks;
      if (choice === 'custom') {
        const { pnet, rnet } = this.customNetworks;
        if (!pnet || !rnet) throw new AppError('pick both a P-Net and an R-Net folder (written by deepigeos train-pnet / train-rnet)');
        networks = { pnet, rnet };
      } else {
        networks = await bundledNetworks(choice as '3d' | '2d');
      }
      this.pipeline?.worker.terminate();
      const wasmPaths = { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded };
      const backend = new URLSearchParams(location.search).get('backend') ?? undefined;
      // Test-time flips as the CLI's default: 2D networks average both flips, 3D ones run once.
      this.pipeline = { key, worker: new PipelineWorker(networks, { wasmPaths, testTimeFlips: 'auto', ...(backend ? { backend } : {}) }) };
    }
    const pipeline = this.pipeline;
    const info = await pipeline.worker.ready();
    pipeline.info = info;
    $('network-info').textContent = `${info.description} on tfjs ${info.backend}, in a Web Worker`;
    let channels: number[];
    if (info.channels === image.channels.length) channels = image.channels.map((_, i) => i);
    else if (info.channels === 1) channels = [Number($<HTMLSelectElement>('channel').value)];
    else throw new AppError(`the networks take ${info.channels} channels; the image has ${image.channels.length} (open that many co-registered files, or a 4D file)`);
    // The worker normalises the volume with its own networks' clipping: image and channels identify it.
    const volumeKey = `${this.imageVersion}|${channels.join(',')}`;
    if (pipeline.volumeKey !== volumeKey) {
      status('preparing the volume');
      await yieldToPage();
      // Normalised in the worker (with P-Net's training clipping), not on the page.
      const data = await networkInput(image, channels);
      pipeline.worker.setVolume({ data, shape: image.canonical.shape, spacing: image.canonical.spacing, channels: channels.length, normalize: true });
      pipeline.volumeKey = volumeKey;
    }
    return { worker: pipeline.worker, info, channels };
  }

  /**
   * Loads the networks and sends the volume to the worker in the background, so that Segment
   * starts computing at once. Failures stay silent here; the job itself reports them.
   */
  private warmUp(): void {
    if (this.image) this.ready(true).catch(() => {});
  }

  private async segment(): Promise<void> {
    const image = this.requireImage();
    await this.run('segmenting', async (progress) => {
      const { worker, channels } = await this.ready();
      const useBox = regionInput('box').checked;
      let roi: Roi;
      if (useBox) {
        if (!this.box) throw new AppError('draw a box first (Draw box, then drag on a view), or choose "whole volume"');
        roi = canonicalBox(image, this.box);
      } else {
        // The non-zero bounding box (+2 voxels), as the networks were trained.
        const [nz, ny, nx] = image.canonical.shape;
        const first = image.channels[channels[0]!]!;
        roi = nonZeroBox(await toCanonicalOrder(image, first), [nz, ny, nx], 1, 2);
      }
      const r = await worker.segment({ roi }, progress);
      this.setResult({ probability: await fromCanonicalOrder(image, r.probability), mask: await fromCanonicalOrder(image, r.mask), origin: 'P-Net' }, r.timings);
    });
  }

  private async refine(): Promise<void> {
    const image = this.requireImage();
    const seeds = this.seeds!;
    const previous = this.result;
    if (!previous) throw new AppError('segment first (or start from a mask)');
    await this.run('refining', async (progress) => {
      const { worker } = await this.ready();
      // Only the region around the seeds travels to the worker and back (a few MB, not the whole volume).
      const roi = seedRegion(image, seeds.labels);
      const labels = canonicalRegion(image, seeds.labels, roi);
      const fg = labels.map((l) => (l === 1 ? 1 : 0));
      const bg = labels.map((l) => (l === 2 ? 1 : 0));
      const r = await worker.refine({ probability: canonicalRegion(image, previous.probability, roi), fg, bg, roi }, progress);
      const probability = pasteCanonicalRegion(image, previous.probability.slice(), roi, r.probability);
      const mask = pasteCanonicalRegion(image, previous.mask.slice(), roi, r.mask);
      this.setResult({ probability, mask, origin: 'refinement' }, r.timings);
    });
  }

  /** Runs a pipeline job with status, progress bar and Cancel. */
  private async run(verb: string, job: (progress: (p: PipelineProgress) => void) => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.refresh();
    $<HTMLButtonElement>('cancel').disabled = false;
    const bar = $<HTMLProgressElement>('progress');
    const started = performance.now();
    try {
      this.setStatus(verb);
      await job((p) => {
        bar.value = p.total > 0 ? p.done / p.total : 0;
        // A stage without inner progress reports (0, 1) only; a one-step network also reports (1, 1).
        const measured = p.total > 1 || p.done > 0;
        this.setStatus(`${verb}: ${p.stage}${measured ? ` ${Math.round((100 * p.done) / p.total)}%` : ''}`);
      });
      this.message(`${verb === 'segmenting' ? 'segmented' : 'refined'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      if (error instanceof PipelineCancelledError) this.message(`${verb} cancelled`);
      else throw error;
    } finally {
      this.busy = false;
      bar.value = 0;
      $<HTMLButtonElement>('cancel').disabled = true;
      this.setStatus('ready');
      this.refresh();
    }
  }

  // ---- results, seeds, history -------------------------------------------------------------

  private setResult(result: Result, timings?: Record<string, number>): void {
    let voxels = 0;
    const mask = result.mask;
    for (let i = 0; i < mask.length; i++) voxels += mask[i]!;
    result.voxels = voxels;
    this.record({ kind: 'result', before: this.result, after: result });
    if (timings) {
      const parts = Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`);
      $('counts').dataset['timings'] = parts.join(', ');
    }
  }

  /** Applies a new action and records it. */
  private record(action: Action): void {
    this.history.push(action);
    this.applyState(action, 'redo', false);
  }

  private undoRedo(direction: 'undo' | 'redo'): void {
    if (this.busy) return;
    const action = direction === 'undo' ? this.history.undo() : this.history.redo();
    if (action) this.applyState(action, direction, true);
  }

  private applyState(action: Action, direction: 'undo' | 'redo', replay: boolean): void {
    if (action.kind === 'seeds') {
      if (replay) this.seeds!.apply(action.edit, direction);
      this.viewer.setSeeds(this.seeds!.labels);
    } else {
      this.result = direction === 'undo' ? action.before : action.after;
      this.viewer.setMask(this.result?.mask);
      this.showDice();
    }
    this.persistSoon();
    this.refresh();
  }

  private clearSeeds(): void {
    const edit = this.seeds?.clear();
    if (edit) this.record({ kind: 'seeds', edit });
  }

  private exportSeeds(): void {
    const json = JSON.stringify(this.seeds!.toJSON());
    download(new Blob([json], { type: 'application/json' }), `${baseName(this.image!.name)}_seeds.json`);
  }

  private async importSeeds(file: File | undefined): Promise<void> {
    if (!file || !this.seeds) return;
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch (error) {
      throw new AppError(`${file.name} is not valid JSON: ${(error as Error).message}`);
    }
    const edit = this.seeds.replace(this.seeds.labelsFromJSON(json));
    if (edit) this.record({ kind: 'seeds', edit });
    this.message(`imported ${file.name}`);
  }

  private async saveMask(): Promise<void> {
    const image = this.requireImage();
    if (!this.result) throw new AppError('nothing to save yet: segment first');
    const bytes = await encodeMask(image, this.result.mask);
    download(new Blob([bytes as BlobPart], { type: 'application/gzip' }), `${baseName(image.name)}_deepigeos_seg.nii.gz`);
  }

  private showDice(): void {
    const el = $('dice');
    if (!this.label || !this.image) return;
    el.hidden = false;
    el.textContent = this.result ? `Dice ${dice(this.result.mask, this.label, this.image.shape).toFixed(3)}` : 'Dice — (segment first)';
  }

  // ---- persistence -------------------------------------------------------------------------

  private persistSoon(): void {
    clearTimeout(this.saveTimer);
    if (!this.files.length) return;
    this.saveTimer = window.setTimeout(() => {
      const work: SavedWork = {
        files: this.files,
        frames: $<HTMLSelectElement>('frames').value === 'channels' ? 'channels' : Number($<HTMLSelectElement>('frames').value),
        ...(this.labelFile ? { label: this.labelFile } : {}),
        ...(this.seeds ? { seeds: this.seeds.labels.slice() } : {}),
        ...(this.result ? { probability: this.result.probability.slice() } : {}),
        ...(this.box ? { box: { start: [...this.box.start], size: [...this.box.size] } } : {}),
        savedAt: new Date().toISOString(),
      };
      saveWork(work).catch((error: unknown) => this.message(`could not keep your work in this browser: ${(error as Error).message}`, true));
    }, 400);
  }

  private async restore(saved: SavedWork): Promise<void> {
    const files = saved.files.map((f) => new File([f.bytes], f.name));
    await this.openImage(files, saved.frames);
    this.files = saved.files;
    if (saved.label) await this.openLabel(new File([saved.label.bytes], saved.label.name));
    if (saved.box) this.setBox(saved.box);
    if (saved.probability) {
      const mask = Uint8Array.from(saved.probability, (p) => (p > 0.5 ? 1 : 0));
      this.setResult({ probability: saved.probability, mask, origin: 'restored' });
    }
    if (saved.seeds) {
      const edit = this.seeds!.replace(saved.seeds);
      if (edit) this.record({ kind: 'seeds', edit });
    }
    this.message(`restored your work from ${new Date(saved.savedAt).toLocaleString()} (kept in this browser only; "Forget saved work" removes it)`);
  }

  private async forget(): Promise<void> {
    clearTimeout(this.saveTimer); // a save still due would bring the work back
    await clearWork();
    this.files = [];
    this.message('the saved work was removed from this browser');
  }

  // ---- display -----------------------------------------------------------------------------

  private refresh(): void {
    const has = !!this.image;
    const counts = this.seeds?.count() ?? { fg: 0, bg: 0 };
    const anySeeds = counts.fg + counts.bg > 0;
    const set = (id: string, enabled: boolean) => {
      $<HTMLButtonElement>(id).disabled = !enabled;
    };
    set('run-pnet', has && !this.busy);
    set('run-refine', has && !this.busy && !!this.result && anySeeds && this.history.seedsChangedSinceResult);
    set('undo', !this.busy && this.history.canUndo);
    set('redo', !this.busy && this.history.canRedo);
    set('clear-seeds', !this.busy && anySeeds);
    set('export-seeds', has && anySeeds);
    set('save-seg', has && !!this.result);
    const voxels = this.result?.voxels ?? 0;
    const timings = $('counts').dataset['timings'];
    $('counts').textContent = has
      ? `seeds: ${counts.fg} foreground, ${counts.bg} background voxels · segmentation: ${this.result ? `${voxels} voxels (${this.result.origin})` : 'none'}${timings ? ` · ${timings}` : ''}`
      : '';
  }

  private readout(): void {
    const image = this.image;
    const voxel = this.viewer.crosshairVoxel();
    if (!image || !voxel) return;
    const [, ny, nx] = image.shape;
    const idx = (voxel[2] * ny + voxel[1]) * nx + voxel[0];
    const values = image.channels.map((c) => +c[idx]!.toPrecision(5)).join(', ');
    const a = image.affine;
    const mm = [0, 1, 2].map((r) => a[r]![0]! * voxel[0] + a[r]![1]! * voxel[1] + a[r]![2]! * voxel[2] + a[r]![3]!);
    const seg = this.result ? ` · segmentation ${this.result.mask[idx]}` : '';
    $('readout').textContent = `voxel (${voxel.join(', ')}) · ${mm.map((v) => v.toFixed(1)).join(', ')} mm · value ${values}${seg}`;
  }

  private applyWindow(): Promise<void> {
    return this.viewer.setWindow(Number($<HTMLInputElement>('win-min').value), Number($<HTMLInputElement>('win-max').value));
  }

  private setStatus(text: string): void {
    $('status').textContent = text;
  }

  private message(text: string, error = false): void {
    const el = $('message');
    el.textContent = text;
    el.classList.toggle('error', error);
  }

  private requireImage(): AppImage {
    if (!this.image) throw new AppError('open an image first (or load the sample)');
    return this.image;
  }

  /** Runs a user action; errors are shown, never thrown at the page. */
  private async guard(action: () => unknown): Promise<void> {
    try {
      await action();
    } catch (error) {
      const e = error as Error;
      this.message(e instanceof AppError ? e.message : `${e.name}: ${e.message}`, true);
      if (!(e instanceof AppError)) console.warn(error);
    } finally {
      if (!this.busy) this.setStatus('ready');
    }
  }
}

// ---- helpers -------------------------------------------------------------------------------

function filesOf(e: Event): File[] {
  const input = e.target as HTMLInputElement;
  const files = Array.from(input.files ?? []);
  // Let the same file be picked again later.
  queueMicrotask(() => {
    input.value = '';
  });
  return files;
}

function regionInput(value: 'whole' | 'box'): HTMLInputElement {
  return document.querySelector<HTMLInputElement>(`input[name="region"][value="${value}"]`)!;
}

function baseName(name: string): string {
  return (name.split(' + ')[0] ?? name).replace(/\.nii(\.gz)?$/, '');
}

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/**
 * The box dragged from `a` to `b` on one view: the rectangle in the view's plane; through the
 * plane it spans as far as its larger in-plane side, centred on the slice. `[k, j, i]` order.
 */
function boxFrom(a: PointerHit, b: PointerHit, image: AppImage): Roi {
  const dims = [image.shape[2], image.shape[1], image.shape[0]];
  const lo = a.voxel.map((v, i) => Math.min(v, b.voxel[i]!));
  const hi = a.voxel.map((v, i) => Math.max(v, b.voxel[i]!));
  const extent = hi.map((h, i) => h - lo[i]! + 1);
  // The voxel axis along which the two corners agree most is the one across the view.
  const normal = extent.indexOf(Math.min(...extent));
  const side = Math.max(...extent.filter((_, i) => i !== normal));
  const centre = a.voxel[normal]!;
  lo[normal] = Math.max(0, centre - Math.floor(side / 2));
  hi[normal] = Math.min(dims[normal]! - 1, centre + Math.floor(side / 2));
  return { start: [lo[2]!, lo[1]!, lo[0]!], size: [hi[2]! - lo[2]! + 1, hi[1]! - lo[1]! + 1, hi[0]! - lo[0]! + 1] };
}

/** The box's surface as a 0/1 volume: its outline in every slice that cuts through it. */
function boxOutline(box: Roi, shape: readonly number[]): Uint8Array {
  const [D, H, W] = shape as [number, number, number];
  const out = new Uint8Array(D * H * W);
  const [z0, y0, x0] = box.start as [number, number, number];
  const [z1, y1, x1] = box.start.map((s, a) => s + box.size[a]! - 1) as [number, number, number];
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (z === z0 || z === z1 || y === y0 || y === y1 || x === x0 || x === x1) out[(z * H + y) * W + x] = 1;
      }
    }
  }
  return out;
}

/** A source-grid box in canonical voxel order: the box around its corners' canonical positions (the reorientation maps boxes to boxes). */
function canonicalBox(image: AppImage, box: Roi): Roi {
  const [, H, W] = image.shape;
  const corners: number[] = [];
  for (const dz of [0, 1]) for (const dy of [0, 1]) for (const dx of [0, 1]) {
    const [z, y, x] = box.start.map((s, a) => s + [dz, dy, dx][a]! * (box.size[a]! - 1)) as [number, number, number];
    corners.push((z * H + y) * W + x);
  }
  return boxAround(canonicalVoxels(image, corners), image.canonical.shape, 0, 0)!;
}

/** The box holding `voxels`, grown by `margin`, at least `minSize` per side, inside `shape`. */
function boxAround(voxels: readonly (readonly number[])[], shape: readonly number[], margin: number, minSize: number): Roi | undefined {
  if (voxels.length === 0) return undefined;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  for (const c of voxels) {
    for (let a = 0; a < 3; a++) {
      if (c[a]! < lo[a]!) lo[a] = c[a]!;
      if (c[a]! > hi[a]!) hi[a] = c[a]!;
    }
  }
  const start: number[] = [];
  const size: number[] = [];
  for (let a = 0; a < 3; a++) {
    const n = shape[a]!;
    let s = lo[a]! - margin;
    let e = hi[a]! + margin + 1;
    const grow = Math.max(0, Math.min(n, minSize) - (e - s));
    s -= Math.floor(grow / 2);
    e += Math.ceil(grow / 2);
    if (s < 0) [s, e] = [0, e - s];
    if (e > n) [s, e] = [Math.max(0, s - (e - n)), n];
    start.push(s);
    size.push(e - s);
  }
  return { start, size };
}

/** The region a refinement recomputes: around every seed, as a canonical box. */
function seedRegion(image: AppImage, labels: Uint8Array): Roi {
  const seeded: number[] = [];
  for (let v = 0; v < labels.length; v++) if (labels[v]) seeded.push(v);
  const roi = boxAround(canonicalVoxels(image, seeded), image.canonical.shape, REFINE_MARGIN, REFINE_MIN_SIZE);
  if (!roi) throw new AppError('add seeds first: foreground (F) or background (B), then click or drag on a view');
  return roi;
}

