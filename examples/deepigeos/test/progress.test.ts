import { describe, expect, it } from 'vitest';
import { StageProgress } from '../src/cli/progress.js';

/** A stream that records writes; `isTTY` as given. */
function stream(tty: boolean): { s: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const s = {
    isTTY: tty,
    write(chunk: string) {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { s, text: () => text };
}

describe('stage progress on stderr', () => {
  it('prints stage, percent, elapsed and ETA; off a TTY at most one line per interval, always the last', () => {
    let now = 0;
    const out = stream(false);
    const p = new StageProgress('refine', out.s, 5000, () => now);
    p.start('R-Net windows');
    now = 2000;
    p.update(1, 4); // first update: printed (gives an ETA early)
    now = 3000;
    p.update(2, 4); // within 5 s of the last line: skipped
    now = 8000;
    p.update(3, 4);
    now = 9000;
    p.update(4, 4); // the end is always printed
    expect(p.done()).toBe(9);
    expect(out.text().split('\n')).toEqual([
      'refine: R-Net windows…',
      'refine: R-Net windows 25% (1/4), 2s elapsed, ETA 6s',
      'refine: R-Net windows 75% (3/4), 8s elapsed, ETA 3s',
      'refine: R-Net windows 100% (4/4), 9s elapsed, ETA 0s',
      '',
    ]);
  });
  it('redraws one line per stage on a TTY', () => {
    let now = 0;
    const out = stream(true);
    const p = new StageProgress('segment', out.s, 5000, () => now);
    p.start('P-Net');
    now = 1000;
    p.update(1, 2);
    p.start('R-Net');
    p.done();
    expect(out.text()).toBe('\rsegment: P-Net…\rsegment: P-Net 50% (1/2), 1s elapsed, ETA 1s\n\rsegment: R-Net…\n');
  });
});
