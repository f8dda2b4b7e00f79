// Node writer for TensorBoard event files: `tensorboard --logdir <parent of logdir>` reads them.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { decodeEvent, encodeFileVersionEvent, encodeScalarEvent, type ScalarEvent } from './event.js';
import { ReportInputError } from './errors.js';
import { decodeTfRecords, encodeTfRecord } from './tfrecord.js';

/** Options of {@link createEventWriter}. */
export interface EventWriterOptions {
  /** Clock in seconds since the epoch (default: `Date.now() / 1000`); fix it for reproducible files. */
  now?: () => number;
  /** Appended to the file name, after the standard `events.out.tfevents.<time>.<host>.<pid>` part. */
  filenameSuffix?: string;
}

/** An open TensorBoard event file. Every call writes through to disk (safe against Ctrl-C). */
export interface EventWriter {
  /** Absolute or logdir-relative path of the event file being written. */
  readonly path: string;
  /** Logs one scalar (e.g. `scalar('train/loss', 0.42, 100)`). */
  scalar(tag: string, value: number, step: number): void;
  /** Logs several scalars at the same step in one event. */
  scalars(values: Readonly<Record<string, number>>, step: number): void;
  /** Forces written events to stable storage. */
  flush(): void;
  /** Flushes and closes the file; further writes throw. Closing twice is a no-op. */
  close(): void;
}

// Distinguishes writers opened by one process within the same second.
let openedWriters = 0;

/**
 * Creates `logdir` (recursively) and opens a new event file in it, starting with the
 * `brain.Event:2` header TensorBoard requires.
 * @example
 * const tb = createEventWriter('experiments/logs/pnet-2d');
 * tb.scalar('train/loss', loss, step);
 * tb.close();
 */
export function createEventWriter(logdir: string, options: EventWriterOptions = {}): EventWriter {
  if (typeof logdir !== 'string' || logdir.length === 0) {
    throw new ReportInputError(`logdir must be a non-empty directory path, got ${JSON.stringify(logdir)}`);
  }
  const now = options.now ?? (() => Date.now() / 1000);
  const startTime = now();
  mkdirSync(logdir, { recursive: true });
  const name = `events.out.tfevents.${Math.floor(startTime)}.${hostname()}.${process.pid}.${openedWriters++}${options.filenameSuffix ?? ''}`;
  const path = join(logdir, name);
  let fd: number | undefined = openSync(path, 'wx');
  const append = (payload: Uint8Array): void => {
    if (fd === undefined) throw new ReportInputError(`event file ${path} is closed; create a new writer to log more`);
    writeSync(fd, encodeTfRecord(payload));
  };
  append(encodeFileVersionEvent(startTime));
  return {
    path,
    scalar(tag, value, step) {
      append(encodeScalarEvent(now(), step, { [tag]: value }));
    },
    scalars(values, step) {
      append(encodeScalarEvent(now(), step, values));
    },
    flush() {
      if (fd !== undefined) fsyncSync(fd);
    },
    close() {
      if (fd === undefined) return;
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Reads an event file back (verifying every record's CRCs), e.g. to check what training logged.
 * @throws ReportInputError on truncated or corrupt records.
 */
export function readEventFile(path: string): ScalarEvent[] {
  return decodeTfRecords(new Uint8Array(readFileSync(path))).map(decodeEvent);
}
