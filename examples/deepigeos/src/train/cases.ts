/**
 * Resolving a training configuration's dataset into case references, and a bounded in-memory
 * cache of loaded cases (every case is loaded once up front so bad files fail before training).
 * @module
 */
import { bratsCases, type CaseRef, globCases, msdCases, pairsListCases, vocCases } from '../data/datasets.js';
import { type LoadedCase, loadCase } from '../data/load.js';
import { ConfigError } from '../errors.js';
import type { TrainConfig } from './schema.js';

/** Case references of the configured dataset. */
export function datasetCases(data: TrainConfig['data']): CaseRef[] {
  const need = (key: 'root' | 'images' | 'pairs', flag: string): string => {
    const v = data[key];
    if (!v) throw new ConfigError(`data.format "${data.format}" needs data.${key} (flag ${flag})`);
    return v;
  };
  const fg = data.foreground ?? undefined;
  switch (data.format) {
    case 'glob':
      return globCases(need('images', '--images'), data.labels, fg);
    case 'pairs':
      return pairsListCases(need('pairs', '--pairs'), fg);
    case 'brats':
      return bratsCases(need('root', '--root'), data.modalities);
    case 'msd':
      return msdCases(need('root', '--root'), data.channels ?? undefined, fg);
    case 'voc':
      return vocCases(need('root', '--root'), data.classIndex, data.imageSet);
  }
}

/** Loaded cases by id, keeping at most `capacity` in memory (least recently used evicted). */
export class CaseCache {
  private readonly cache = new Map<string, LoadedCase>();

  constructor(
    private readonly refs: CaseRef[],
    private readonly prep: TrainConfig['preprocess'],
    private readonly capacity: number,
  ) {}

  /** Number of cases. */
  get size(): number {
    return this.refs.length;
  }

  /** Loads every case once (errors surface before training starts) and keeps the first `capacity`. */
  async preload(onCase?: (i: number) => void): Promise<void> {
    for (let i = 0; i < this.refs.length; i++) {
      const c = await loadCase(this.refs[i]!, this.prep);
      if (!c.label) throw new ConfigError(`case ${c.id} has no label; training needs labels`);
      if (this.cache.size < this.capacity) this.cache.set(this.refs[i]!.id, c);
      onCase?.(i);
    }
  }

  /** The i-th case. */
  async get(i: number): Promise<LoadedCase> {
    const ref = this.refs[i]!;
    let c = this.cache.get(ref.id);
    if (c) {
      this.cache.delete(ref.id);
    } else {
      c = await loadCase(ref, this.prep);
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(ref.id, c);
    return c;
  }
}
