// One orthogonal view in the page: a canvas showing the slice at its physical aspect ratio, a
// slider choosing the slice, and pointer handling that turns drags into slice pixel coordinates.

import { type Plane, type SliceGeometry, sliceGeometry, type VolumeShape } from './slices.js';

/** Pointer phases forwarded to the app while drawing. */
export type StrokePhase = 'start' | 'move' | 'end';

/** Receives strokes in slice pixel coordinates. */
export type StrokeHandler = (phase: StrokePhase, view: SliceView, col: number, row: number) => void;

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

  /** Draws RGBA pixels of the current slice, scaled without smoothing. */
  draw(rgba: Uint8ClampedArray): void {
    const g = this.geometry;
    if (!g) return;
    this.buffer.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(rgba), g.width, g.height), 0, 0);
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.buffer, 0, 0, this.canvas.width, this.canvas.height);
    this.caption.textContent = `${this.plane} ${this.slice + 1}/${g.depth}`;
  }

  private pointer(event: PointerEvent, phase: StrokePhase): void {
    const g = this.geometry;
    if (!g) return;
    if (phase === 'start') {
      this.drawing = true;
      this.canvas.setPointerCapture?.(event.pointerId);
    } else if (!this.drawing) return;
    if (phase === 'end') this.drawing = false;
    const rect = this.canvas.getBoundingClientRect();
    const col = Math.floor(((event.clientX - rect.left) / rect.width) * g.width);
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * g.height);
    this.onStroke(phase, this, col, row);
    event.preventDefault();
  }
}
