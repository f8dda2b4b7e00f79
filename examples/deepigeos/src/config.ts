/**
 * JSON configuration files with strict validation: an unknown key (with a "did you mean"
 * suggestion), a wrong type or an out-of-range value is a {@link ConfigError} naming the key path,
 * so a typo is never silently ignored. Schemas also supply defaults and the `--help` text.
 * @module
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

/** Description of one configuration field. */
export type FieldSpec =
  | { type: 'number' | 'integer'; default?: number | null; min?: number; max?: number; help: string; nullable?: boolean }
  | { type: 'string'; default?: string; enum?: readonly string[]; help: string; nullable?: boolean }
  | { type: 'boolean'; default?: boolean; help: string }
  | { type: 'number[]'; default?: number[] | null; length?: number; min?: number; help: string; nullable?: boolean }
  | { type: 'string[]'; default?: string[] | null; help: string; nullable?: boolean }
  | { type: 'object'; fields: Schema; help: string };

/** A schema: field name → spec. */
export type Schema = Record<string, FieldSpec>;

/** Edit distance, for "did you mean" suggestions. */
function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function suggestion(key: string, known: string[]): string {
  let best = '';
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const dist = levenshtein(key.toLowerCase(), k.toLowerCase());
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function checkField(path: string, spec: FieldSpec, v: unknown): unknown {
  if (v === null && 'nullable' in spec && spec.nullable) return null;
  switch (spec.type) {
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${path} must be a finite number, got ${typeName(v)} ${JSON.stringify(v)}`);
      if (spec.type === 'integer' && !Number.isInteger(v)) throw new ConfigError(`${path} must be an integer, got ${v}`);
      if (spec.min !== undefined && v < spec.min) throw new ConfigError(`${path} must be ≥ ${spec.min}, got ${v}`);
      if (spec.max !== undefined && v > spec.max) throw new ConfigError(`${path} must be ≤ ${spec.max}, got ${v}`);
      return v;
    }
    case 'string':
      if (typeof v !== 'string') throw new ConfigError(`${path} must be a string, got ${typeName(v)} ${JSON.stringify(v)}`);
      if (spec.enum && !spec.enum.includes(v)) throw new ConfigError(`${path} must be one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(v)}`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw new ConfigError(`${path} must be true or false, got ${typeName(v)} ${JSON.stringify(v)}`);
      return v;
    case 'number[]': {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new ConfigError(`${path} must be an array of numbers, got ${JSON.stringify(v)}`);
      }
      if (spec.length !== undefined && v.length !== spec.length) throw new ConfigError(`${path} must have ${spec.length} values, got ${v.length}`);
      if (spec.min !== undefined && v.some((x: number) => x < spec.min!)) throw new ConfigError(`${path} values must be ≥ ${spec.min}, got ${JSON.stringify(v)}`);
      return [...v];
    }
    case 'string[]':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${path} must be an array of strings, got ${JSON.stringify(v)}`);
      return [...v];
    case 'object':
      return validateConfig(v, spec.fields, path);
  }
}

/**
 * Validates a parsed JSON value against a schema and fills in defaults. Nested objects are
 * validated recursively; keys without a default and absent from the input are left out.
 * @param value - parsed JSON (must be an object)
 * @param schema - the schema
 * @param path - name used in error messages (e.g. the file name)
 * @throws ConfigError on the first unknown key, wrong type or out-of-range value
 */
export function validateConfig(value: unknown, schema: Schema, path = 'config'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${path} must be a JSON object, got ${typeName(value)}`);
  }
  const known = Object.keys(schema);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const spec = schema[key];
    if (!spec) throw new ConfigError(`${path}: unknown key "${key}"${suggestion(key, known)}; allowed keys: ${known.join(', ')}`);
    out[key] = checkField(`${path}.${key}`, spec, v);
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (key in out) continue;
    if (spec.type === 'object') out[key] = validateConfig({}, spec.fields, `${path}.${key}`);
    else if (spec.default !== undefined) out[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out;
}

/**
 * Reads and validates a JSON config file.
 * @throws ConfigError if the file is missing, not JSON, or fails validation (message names the file)
 */
export function loadConfigFile(file: string, schema: Schema): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return validateConfig(parsed, schema, file);
}

/** One line per field: `key  type  (default …)  help`, for `--help` output. */
export function describeSchema(schema: Schema, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.type === 'object') {
      lines.push(`  ${prefix}${key}: { … }  ${spec.help}`);
      lines.push(...describeSchema(spec.fields, `${prefix}${key}.`));
      continue;
    }
    const def = 'default' in spec && spec.default !== undefined ? ` (default ${JSON.stringify(spec.default)})` : '';
    lines.push(`  ${prefix}${key}: ${spec.type}${def}  ${spec.help}`);
  }
  return lines;
}
