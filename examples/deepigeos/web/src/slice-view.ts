// One orthogonal view in the page: a canvas showing the slice at its physical aspect ratio, a
// slider choosing the slice, and pointer handling that turns drags into slice pixel coordinates.

import { type Plane, type SliceGeometry, sliceGeometry, type VolumeShape } from './slices.js';

/** Pointer phases forwarded to the app while drawing. */
export type StrokePhase = 'start' | 'move' | 'end';

/** Receives strokes in slice pixel coordinates. */
export type StrokeHandler = (phase: StrokePhase, view: SliceView, col: number, row: number) => void;

/** Receives Alt+clicks (navigate the other views to this pixel) in slice pixel coordinates. */
export type NavigateHandler = (view: SliceView, col: number, row: number) => void;

/** Length of the crosshair ticks on the canvas border, in CSS pixels. */
const TICK = 8;

/** Longest side of a view on screen, in CSS pixels. */
const VIEW_SIZE = 300;

/** A canvas + slider for one plane. */
export class SliceView {
  readonly canvas: HTMLCanvasElement;
  readonly slider: HTMLInputElement;
  private readonly caption: HTMLElement;
  private readonly buffer = document.createElement('canvas');
  private geometry: SliceGeometry | undefined;
  private drawing = false;

  constructor(
    readonly plane: Plane,
    parent: HTMLElement,
    private readonly onStroke: StrokeHandler,
    private readonly onSliceChange: (view: SliceView) => void,
    private readonly onNavigate: NavigateHandler,
  ) {
    const figure = document.createElement('figure');
    figure.className = 'view';
    figure.dataset['plane'] = plane;
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('aria-label', `${plane} view`);
    this.slider = document.createElement('input');
    this.slider.type = 'range';
    this.slider.min = '0';
    this.slider.setAttribute('aria-label', `${plane} slice`);
    this.caption = document.createElement('figcaption');
    figure.append(this.canvas, this.slider, this.caption);
    parent.append(figure);
    this.slider.addEventListener('input', () => this.onSliceChange(this));
    this.canvas.addEventListener('pointerdown', (e) => this.pointer(e, 'start'));
    this.canvas.addEventListener('pointermove', (e) => this.pointer(e, 'move'));
    this.canvas.addEventListener('pointerup', (e) => this.pointer(e, 'end'));
    this.canvas.addEventListener('pointerleave', (e) => this.pointer(e, 'end'));
  }

  /** Current slice index. */
  get slice(): number {
    return Number(this.slider.value);
  }

  /** Sizes the canvas for a new volume and shows its middle slice. */
  setVolume(shape: VolumeShape, spacing: readonly number[]): void {
    const g = sliceGeometry(shape, spacing, this.plane);
    this.geometry = g;
    this.slider.max = String(g.depth - 1);
    this.slider.value = String(Math.floor(g.depth / 2));
    this.buffer.width = g.width;
    this.buffer.height = g.height;
    const physicalW = g.width * g.pixelWidth;
    const physicalH = g.height * g.pixelHeight;
    const scale = VIEW_SIZE / Math.max(physicalW, physicalH);
    this.canvas.width = Math.round(physicalW * scale);
    this.canvas.height = Math.round(physicalH * scale);
  }

  /** Sets the slice shown (clamped to the volume). */
  setSlice(slice: number): void {
    this.slider.value = String(slice);
  }

  /**
   * Draws RGBA pixels of the current slice, scaled without smoothing, with yellow ticks on the
   * border marking pixel column `cross.col` and row `cross.row` (where the other views cut).
   */
  draw(rgba: Uint8ClampedArray, cross?: { col: number; row: number }): void {
    const g = this.geometry;
    if (!g) return;
    this.buffer.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(rgba), g.width, g.height), 0, 0);
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.buffer, 0, 0, this.canvas.width, this.canvas.height);
    if (cross) {
      // Ticks on the border only, so the image itself is never covered.
      const x = ((cross.col + 0.5) / g.width) * this.canvas.width;
      const y = ((cross.row + 0.5) / g.height) * this.canvas.height;
      ctx.strokeStyle = '#ffd400';
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (const [x0, y0, x1, y1] of [
        [x, 0, x, TICK],
        [x, this.canvas.height - TICK, x, this.canvas.height],
        [0, y, TICK, y],
        [this.canvas.width - TICK, y, this.canvas.width, y],
      ] as const) {
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
      }
      ctx.stroke();
    }
    this.caption.textContent = `${this.plane} ${this.slice + 1}/${g.depth}`;
  }

  private pointer(event: PointerEvent, phase: StrokePhase): void {
    const g = this.geometry;
    if (!g) return;
    const rect = this.canvas.getBoundingClientRect();
    const col = Math.floor(((event.clientX - rect.left) / rect.width) * g.width);
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * g.height);
    if (phase === 'start' && event.altKey) {
      this.onNavigate(this, Math.min(g.width - 1, Math.max(0, col)), Math.min(g.height - 1, Math.max(0, row)));
      event.preventDefault();
      return;
    }
    if (phase === 'start') {
      this.drawing = true;
      this.canvas.setPointerCapture?.(event.pointerId);
    } else if (!this.drawing) return;
    if (phase === 'end') this.drawing = false;
    this.onStroke(phase, this, col, row);
    event.preventDefault();
  }
}
