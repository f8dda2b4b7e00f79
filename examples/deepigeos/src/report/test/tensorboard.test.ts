import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  crc32c,
  createEventWriter,
  decodeTfRecords,
  encodeScalarEvent,
  maskCrc32c,
  ReportInputError,
  readEventFile,
} from '../index.js';
import { useTempDirs } from './temp-dirs.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const PYTHON = '/usr/bin/python3';
const ascii = (s: string) => new TextEncoder().encode(s);

interface GoldenEvent {
  wallTime: number;
  step?: number;
  fileVersion?: string;
  scalars?: Record<string, number>;
}
const golden = JSON.parse(readFileSync(join(fixtures, 'golden.json'), 'utf8')) as {
  inputs: GoldenEvent[];
  decoded: GoldenEvent[];
};

const tempDir = useTempDirs('deepigeos-tb-');

/** Writes golden.json's inputs with our writer, replaying the golden wall times as its clock. */
function writeGoldenInputs(logdir: string): string {
  const times = golden.inputs.map((e) => e.wallTime);
  const writer = createEventWriter(logdir, { now: () => times.shift()! });
  for (const event of golden.inputs.slice(1)) writer.scalars(event.scalars!, event.step!);
  writer.close();
  return writer.path;
}

describe('CRC-32C', () => {
  // RFC 3720 (iSCSI) appendix B.4 test vectors and the standard check value.
  it.each([
    ['"123456789"', ascii('123456789'), 0xe3069283],
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 0xFF bytes', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['bytes 0..31', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['bytes 31..0', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ['empty input', new Uint8Array(0), 0],
  ])('matches the published value for %s', (_name, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
  });

  it('masks as TensorFlow does: rotate right 15, add 0xA282EAD8 mod 2^32', () => {
    // Hand-computed: rotr15(0xE3069283) = 0x2507C60D; + 0xA282EAD8 = 0xC78AB0E5.
    expect(maskCrc32c(0xe3069283)).toBe(0xc78ab0e5);
    // Overflow wraps: rotr15(0xFFFFFFFF) = 0xFFFFFFFF; + 0xA282EAD8 = 0xA282EAD7 (mod 2^32).
    expect(maskCrc32c(0xffffffff)).toBe(0xa282ead7);
  });
});

describe('event file writer', () => {
  it('writes bytes identical to the independent Python encoder (golden.tfevents)', () => {
    const path = writeGoldenInputs(tempDir());
    expect(new Uint8Array(readFileSync(path))).toEqual(new Uint8Array(readFileSync(join(fixtures, 'golden.tfevents'))));
  });

  it('names the file so TensorBoard finds it', () => {
    const dir = join(tempDir(), 'nested', 'run');
    const writer = createEventWriter(dir);
    writer.close();
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^events\.out\.tfevents\.\d{10}\.[^/]+\.\d+\.\d+$/)]);
  });

  it('reads back what the Python reference decoded, float32-rounded', () => {
    const events = readEventFile(join(fixtures, 'golden.tfevents'));
    expect(events).toHaveLength(golden.decoded.length);
    events.forEach((event, i) => {
      const want = golden.decoded[i]!;
      expect(event.wallTime).toBe(want.wallTime);
      expect(event.fileVersion).toBe(want.fileVersion);
      if (want.step !== undefined) expect(event.step).toBe(want.step);
      expect(event.scalars).toEqual(want.scalars);
    });
    expect(events[2]!.scalars['train/loss']).toBe(Math.fround(0.123456789));
  });

  it.skipIf(!existsSync(PYTHON))('is decoded by the Python reference decoder (live, CRCs verified)', () => {
    const path = writeGoldenInputs(tempDir());
    const out = execFileSync(PYTHON, [join(fixtures, 'tfevents_reference.py'), 'decode', path], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(golden.decoded);
  });

  it('keeps earlier events when a later write is interrupted (records are written through)', () => {
    const writer = createEventWriter(tempDir());
    writer.scalar('loss', 1, 1);
    writer.scalar('loss', 0.5, 2);
    // No close(): a crashed run's file must already hold every logged scalar.
    expect(readEventFile(writer.path).map((e) => e.scalars['loss'])).toEqual([undefined, 1, 0.5]);
    writer.close();
    writer.close();
    expect(() => writer.scalar('loss', 0.1, 3)).toThrow(/is closed/);
  });

  it('rejects corrupt or truncated files, naming the record offset', () => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, 'golden.tfevents')));
    const firstLength = 12 + 24 + 4;
    const flipped = bytes.slice();
    flipped[firstLength + 20] = flipped[firstLength + 20]! ^ 1;
    expect(() => decodeTfRecords(flipped)).toThrow(new ReportInputError(`TFRecord stream: data CRC mismatch in the record at byte ${firstLength}`));
    expect(() => decodeTfRecords(bytes.subarray(0, bytes.length - 3))).toThrow(/declares \d+ bytes but the stream ends/);
    const badLength = bytes.slice();
    badLength[0] = 99;
    expect(() => decodeTfRecords(badLength)).toThrow(/length CRC mismatch in the record at byte 0/);
  });

  it('rejects bad arguments with typed errors naming them', () => {
    expect(() => encodeScalarEvent(1, 1.5, { loss: 1 })).toThrow(new ReportInputError('step must be a safe integer, got 1.5'));
    expect(() => encodeScalarEvent(1, 1, { '': 1 })).toThrow(/tag must be a non-empty string/);
    expect(() => encodeScalarEvent(1, 1, { loss: '0.5' as unknown as number })).toThrow(/scalar "loss" must be a number, got string/);
    expect(() => encodeScalarEvent(Number.NaN, 1, {})).toThrow(/wallTime must be a finite number/);
    expect(() => createEventWriter('')).toThrow(ReportInputError);
  });
});
