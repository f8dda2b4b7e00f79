// Runs in Chromium (see report.browser.test.ts): renders a report and inspects what the browser made of it.
import { renderTrainingReport } from '../html-report.js';

export default async function run(): Promise<unknown> {
  const width = 32;
  const height = 24;
  const image = Float32Array.from({ length: width * height }, (_, i) => (i % width) + Math.floor(i / width));
  const prediction = Uint8Array.from(image, (v) => (v > 30 ? 1 : 0));
  const html = renderTrainingReport({
    metrics: Array.from({ length: 20 }, (_, k) => ({ step: k + 1, loss: 1 / (k + 1), ...(k % 4 === 3 ? { val_dice: k / 20 } : {}) })),
    overlays: [{ caption: 'ramp', width, height, image, prediction, groundTruth: prediction }],
  });
  const frame = document.createElement('iframe');
  document.body.append(frame);
  await new Promise<void>((resolve) => {
    frame.onload = () => resolve();
    frame.srcdoc = html;
  });
  const doc = frame.contentDocument!;
  const img = doc.querySelector('img')!;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0);
  return {
    image: [img.naturalWidth, img.naturalHeight],
    // Top-right pixel: predicted (ramp 31 + 0 > 30) and on the ground-truth outline → green.
    topRight: Array.from(ctx.getImageData(width - 1, 0, 1, 1).data),
    charts: Array.from(doc.querySelectorAll('svg')).map((svg) => {
      const box = (svg.querySelector('path[data-series]') as SVGPathElement).getBBox();
      return { title: svg.getAttribute('aria-label'), pathWidth: Math.round(box.width), pathHeight: Math.round(box.height) };
    }),
  };
}
