// The NiiVue viewer: the image (decoded by io-nifti, handed over with only its nibabel-rule
// affine so NiiVue and the networks share one grid), the segmentation, the seeds and the box as
// overlays on the same grid, and pointer → voxel mapping for painting.
import { cmapper, DRAG_MODE, Niivue, NVImage, SHOW_RENDER, SLICE_TYPE } from '@niivue/niivue';
import { type AppImage, displayArrayType, displayNifti } from './image.js';
import type { Voxel } from './seeds.js';
import { gpuIdle, yieldToPage } from './tasks.js';

/** Layouts offered to the user. */
export type Layout = 'axial' | 'coronal' | 'sagittal' | 'multiplanar' | 'render';

const SLICE_OF: Record<Layout, SLICE_TYPE> = {
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  render: SLICE_TYPE.RENDER,
};

// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies): segmentation
// orange, foreground seeds blue, background seeds reddish purple, box white. The three overlays
// share NiiVue's drawing layer (one texture, updated without re-uploading the image): each voxel
// holds mask + 2·seed + 6·box, and the table below colours every combination (seeds drawn 75 %
// over the segmentation, so the segmentation stays visible under them).
const MASK = [230, 159, 0];
const FG = [0, 114, 178];
const BG = [204, 121, 167];
const BOX = [255, 255, 255];
function overlayLut(): { R: number[]; G: number[]; B: number[]; A: number[]; I: number[] } {
  const lut = { R: [] as number[], G: [] as number[], B: [] as number[], A: [] as number[], I: [] as number[] };
  for (let code = 0; code < 12; code++) {
    const mask = code % 2;
    const seed = Math.floor(code / 2) % 3;
    const box = code >= 6;
    let rgb = mask ? MASK : [0, 0, 0];
    if (seed) rgb = rgb.map((v, c) => Math.round((mask ? 0.25 : 0) * v + (mask ? 0.75 : 1) * (seed === 1 ? FG : BG)[c]!));
    else if (box && !mask) rgb = BOX;
    lut.R.push(rgb[0]!);
    lut.G.push(rgb[1]!);
    lut.B.push(rgb[2]!);
    lut.A.push(code === 0 ? 0 : 255);
    lut.I.push(code);
  }
  return lut;
}

/** A point under the pointer: voxel (NIfTI order), world mm, and the view it lies in. */
export interface PointerHit {
  voxel: Voxel;
  mm: [number, number, number];
  /** 0 axial, 1 coronal, 2 sagittal. */
  plane: 0 | 1 | 2;
}

function invert4(m: number[][]): number[][] {
  // Inverse of an affine [[R t],[0 1]] via the 3×3 adjugate.
  const [a, b, c] = [m[0]!, m[1]!, m[2]!];
  const r = [
    [b[1]! * c[2]! - b[2]! * c[1]!, a[2]! * c[1]! - a[1]! * c[2]!, a[1]! * b[2]! - a[2]! * b[1]!],
    [b[2]! * c[0]! - b[0]! * c[2]!, a[0]! * c[2]! - a[2]! * c[0]!, a[2]! * b[0]! - a[0]! * b[2]!],
    [b[0]! * c[1]! - b[1]! * c[0]!, a[1]! * c[0]! - a[0]! * c[1]!, a[0]! * b[1]! - a[1]! * b[0]!],
  ];
  const det = a[0]! * r[0]![0]! + a[1]! * r[1]![0]! + a[2]! * r[2]![0]!;
  const inv = r.map((row) => row.map((v) => v / det));
  const t = [a[3]!, b[3]!, c[3]!];
  return inv.map((row) => [...row, -(row[0]! * t[0]! + row[1]! * t[1]! + row[2]! * t[2]!)]);
}

export class Viewer {
  readonly nv: Niivue;
  private image?: AppImage;
  private inverse: number[][] = [];
  private base?: NVImage;
  /** Overlays on the source grid. */
  private mask?: Uint8Array;
  private seeds?: Uint8Array;
  private box?: Uint8Array;
  /** `toDrawing[v]` = drawing-layer index of source voxel v (NiiVue's own reorientation). */
  private toDrawing: Int32Array = new Int32Array(0);
  private frame = 0;
  private overlayOpacity = 0.6;
  private overlaysVisible = true;
  /** Texture updates in flight: NiiVue draws nothing until the GPU has executed them (see `settle`). */
  private pendingUpdates = 0;
  /** Bumped by every `show`: a show overtaken by a newer one stops where it is. */
  private showGeneration = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.nv = new Niivue({
      backColor: [0, 0, 0, 1],
      crosshairColor: [0.3, 0.9, 0.3, 0.8],
      crosshairWidth: 0.3,
      show3Dcrosshair: true,
      isNearestInterpolation: true,
      isOrientationTextVisible: true,
      multiplanarShowRender: SHOW_RENDER.ALWAYS,
      dragMode: DRAG_MODE.contrast,
      dragAndDropEnabled: false,
      logLevel: 'error',
      loadingText: '',
    });
    this.nv.drawLut = cmapper.makeDrawLut(overlayLut() as never);
  }

  async attach(): Promise<void> {
    await this.nv.attachToCanvas(this.canvas);
    this.nv.setSliceType(SLICE_TYPE.AXIAL);
  }

  /**
   * Shows a new image (channel `channel`) with empty overlays; the crosshair starts at the centre.
   * Each step runs in its own task, and the page draws once the GPU holds the new textures. The
   * previous image stays usable until the new one replaces it; a newer `show` overtakes this one.
   * @returns false when a newer `show` overtook this one (the viewer then shows that image).
   */
  async show(image: AppImage, channel: number): Promise<boolean> {
    const generation = ++this.showGeneration;
    const overtaken = () => generation !== this.showGeneration;
    const Display = await displayArrayType(image.channels);
    const values = image.channels[channel]!;
    const display = Display === Float32Array ? values : new Display(values);
    await yieldToPage();
    if (overtaken()) return false;
    const base = await NVImage.loadFromUrl({ url: 'image.nii', name: 'image.nii', buffer: displayNifti(image, display).buffer as ArrayBuffer, colormap: 'gray' });
    await yieldToPage();
    if (overtaken()) return false;
    const toDrawing = drawingOrder(base);
    await yieldToPage();
    if (overtaken()) return false;
    await this.settle(async () => {
      this.image = undefined; // no pointer mapping or overlay drawing until the new grid is shown
      for (const v of [...this.nv.volumes]) this.nv.removeVolume(v);
      this.nv.scene.crosshairPos = [0.5, 0.5, 0.5] as never;
      this.nv.addVolume(base);
      await yieldToPage();
      if (overtaken()) return;
      this.nv.createEmptyDrawing();
      this.nv.setDrawOpacity(this.overlaysVisible ? this.overlayOpacity : 0);
    });
    if (overtaken()) return false;
    this.image = image;
    this.inverse = invert4(image.affine as number[][]);
    this.base = base;
    this.toDrawing = toDrawing;
    this.mask = undefined;
    this.seeds = new Uint8Array(values.length);
    this.box = undefined;
    return true;
  }

  /** Shows another channel of the image in the background. */
  async showChannel(channel: number): Promise<void> {
    const { base, image } = this;
    if (!base || !image) return;
    base.img!.set(image.channels[channel]!); // exact: every channel fits the display type
    base.calMinMax();
    await this.settle(() => this.nv.updateGLVolume());
  }

  /**
   * Runs `update` (NiiVue calls that rebuild textures) with NiiVue's drawing held back until the GPU
   * has executed it, then draws once. Rebuilding a volume's textures queues seconds of GPU work where
   * WebGL runs in software, and every NiiVue frame ends in `gl.finish()`: a frame drawn meanwhile
   * would hold the page's main thread until all of that work is done.
   */
  private async settle(update: () => void | Promise<void>): Promise<void> {
    // While `isBusy` is set, NiiVue's drawScene only notes that a frame is due.
    this.pendingUpdates++;
    this.nv.isBusy = true;
    try {
      await update();
      await gpuIdle(this.nv.gl);
    } finally {
      if (--this.pendingUpdates === 0) {
        this.nv.isBusy = false;
        this.nv.drawScene();
      }
    }
  }

  /** Updates the segmentation overlay (source order; undefined clears it). */
  setMask(mask: Uint8Array | undefined): void {
    this.mask = mask;
    this.redraw();
  }

  /** Updates the seed overlay (labels 0/1/2, source order; kept by reference). */
  setSeeds(labels: Uint8Array): void {
    this.seeds = labels;
    this.redraw();
  }

  /** Updates the box overlay (its outline, source order). */
  setBox(outline: Uint8Array | undefined): void {
    this.box = outline;
    this.redraw();
  }

  setLayout(layout: Layout): void {
    this.nv.setSliceType(SLICE_OF[layout]);
  }

  /** Opacity of the segmentation overlay in [0, 1]. */
  setOverlayOpacity(opacity: number): void {
    this.overlayOpacity = opacity;
    this.applyOverlayOpacity();
  }

  setOverlaysVisible(visible: boolean): void {
    this.overlaysVisible = visible;
    this.applyOverlayOpacity();
  }

  /** Display window of the image (intensity range mapped to black … white). */
  async setWindow(min: number, max: number): Promise<void> {
    if (!this.base || !(max > min)) return;
    this.base.cal_min = min;
    this.base.cal_max = max;
    await this.settle(() => this.nv.updateGLVolume());
  }

  /** The current display window. */
  window(): [number, number] {
    return [this.base?.cal_min ?? 0, this.base?.cal_max ?? 1];
  }

  /** Right-button drag: window/level (contrast) or pan/zoom. */
  setDragMode(mode: 'contrast' | 'pan'): void {
    this.nv.opts.dragMode = mode === 'pan' ? DRAG_MODE.pan : DRAG_MODE.contrast;
  }

  /** Multiplies the 2D zoom by `factor` (1 = unchanged); `reset` restores zoom and pan. */
  zoom(factor: number | 'reset'): void {
    const p = this.nv.scene.pan2Dxyzmm;
    if (factor === 'reset') this.nv.setPan2Dxyzmm([0, 0, 0, 1] as never);
    else this.nv.setPan2Dxyzmm([p[0]!, p[1]!, p[2]!, Math.min(20, Math.max(0.25, p[3]! * factor))] as never);
  }

  /** Moves the crosshair `step` slices through the plane of `view` (0 axial, 1 coronal, 2 sagittal). */
  moveSlice(view: 0 | 1 | 2, step: number): void {
    const d = [0, 0, 0];
    d[2 - view] = step;
    this.nv.moveCrosshairInVox(d[0]!, d[1]!, d[2]!);
  }

  /** The view showing in the main canvas (for keyboard slice moves): the single view, else axial. */
  mainPlane(): 0 | 1 | 2 {
    const t = this.nv.opts.sliceType;
    return t === SLICE_TYPE.CORONAL ? 1 : t === SLICE_TYPE.SAGITTAL ? 2 : 0;
  }

  /** The crosshair position as a voxel. */
  crosshairVoxel(): Voxel | undefined {
    if (!this.image) return undefined;
    const mm = this.nv.frac2mm(this.nv.scene.crosshairPos as never);
    return this.toVoxel([mm[0]!, mm[1]!, mm[2]!]);
  }

  /** The voxel under a mouse event on a 2D view, or undefined (3D render, outside the volume, views being rebuilt). */
  hit(event: { clientX: number; clientY: number }): PointerHit | undefined {
    // While textures are rebuilt NiiVue does not lay the views out again: its tiles may be stale.
    if (!this.image || this.pendingUpdates > 0) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const dpr = this.nv.uiData.dpr ?? 1;
    const x = (event.clientX - rect.left) * dpr;
    const y = (event.clientY - rect.top) * dpr;
    const tile = this.nv.screenSlices.find((s) => {
      const [l, t, w, h] = s.leftTopWidthHeight as number[];
      const [x0, x1] = w! < 0 ? [l! + w!, l!] : [l!, l! + w!];
      return s.axCorSag <= 2 && x >= x0 && x <= x1 && y >= t! && y <= t! + h!;
    });
    if (!tile) return undefined;
    const frac = this.nv.canvasPos2frac([x, y]);
    if (frac[0]! < 0) return undefined;
    const mm4 = this.nv.frac2mm(frac);
    const mm: [number, number, number] = [mm4[0]!, mm4[1]!, mm4[2]!];
    const voxel = this.toVoxel(mm);
    return voxel ? { voxel, mm, plane: tile.axCorSag as 0 | 1 | 2 } : undefined;
  }

  /** The voxel axis closest to the normal of view `plane` (the axis a brush stroke does not paint along). */
  normalAxis(plane: 0 | 1 | 2): 0 | 1 | 2 {
    const world = 2 - plane; // axial ⟂ z, coronal ⟂ y, sagittal ⟂ x
    const a = this.image!.affine as number[][];
    let best: 0 | 1 | 2 = 0;
    let bestScore = -1;
    for (const axis of [0, 1, 2] as const) {
      const col = [a[0]![axis]!, a[1]![axis]!, a[2]![axis]!];
      const score = Math.abs(col[world]!) / Math.hypot(...col);
      if (score > bestScore) [best, bestScore] = [axis, score];
    }
    return best;
  }

  /** World mm → nearest voxel inside the grid, or undefined outside. */
  toVoxel(mm: [number, number, number]): Voxel | undefined {
    const m = this.inverse;
    const v = [0, 1, 2].map((r) => Math.round(m[r]![0]! * mm[0] + m[r]![1]! * mm[1] + m[r]![2]! * mm[2] + m[r]![3]!));
    const [nz, ny, nx] = this.image!.shape;
    const dims = [nx, ny, nz];
    return v.every((c, a) => c >= 0 && c < dims[a]!) ? (v as Voxel) : undefined;
  }

  private applyOverlayOpacity(): void {
    this.nv.setDrawOpacity(this.overlaysVisible ? this.overlayOpacity : 0);
  }

  /** Rebuilds the drawing layer from the overlays, once per animation frame. */
  private redraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const bitmap = this.nv.drawBitmap;
      if (!bitmap || !this.seeds || !this.image) return; // nothing, or a new image still loading
      const { mask, seeds, box, toDrawing } = this;
      for (let v = 0; v < toDrawing.length; v++) bitmap[toDrawing[v]!] = (mask?.[v] ?? 0) + 2 * seeds[v]! + (box?.[v] ? 6 : 0);
      this.nv.refreshDrawing(true);
    });
  }
}

/**
 * Where NiiVue's drawing layer (in its RAS-reoriented voxel order) keeps each source voxel:
 * its own reorientation (`img2RAS`) applied to voxel indices.
 */
function drawingOrder(base: NVImage): Int32Array {
  const img = base.img!;
  const n = img.length;
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  base.img = indices as never;
  let ras: Int32Array;
  try {
    ras = base.img2RAS() as unknown as Int32Array;
  } finally {
    base.img = img;
  }
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) out[ras[j]!] = j;
  return out;
}
