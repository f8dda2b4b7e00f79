// The threaded WASM build links emscripten's single-threaded libc (no pthreads runtime). That is
// sound only under one rule, enforced here: code that may run on the helper thread touches no
// libc state except the allocator, which native/wasm/wasm_threads.cpp serialises with a lock.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const native = new URL('../../native/', import.meta.url);

// Macros of the threaded WASM build (scripts/build-wasm.sh); every other macro counts as 0.
const DEFINED: Record<string, number> = { __EMSCRIPTEN__: 1, __wasm__: 1, GEODESIC_WASM_THREADS: 1, GEODESIC_THREADS: 1 };

/** Evaluates a preprocessor condition made of defined(X), macros, !, &&, || and parentheses. */
function condition(expr: string): boolean {
  const js = expr
    .replace(/defined\s*\(\s*(\w+)\s*\)|defined\s+(\w+)/g, (_, a, b) => (DEFINED[a ?? b] !== undefined ? '1' : '0'))
    .replace(/\b[A-Za-z_]\w*\b/g, (name) => String(DEFINED[name] ?? 0));
  if (!/^[\s01()!&|]*$/.test(js)) throw new Error(`cannot evaluate #if ${expr}`);
  return Boolean(new Function(`return (${js});`)());
}

/** The source the threaded WASM build compiles: comments and inactive #if branches removed. */
function wasmSource(text: string): string {
  const frames: { active: boolean; taken: boolean; outer: boolean }[] = [];
  const live = () => frames.every((f) => f.active);
  const kept: string[] = [];
  for (const line of text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\\\n/g, ' ').split('\n')) {
    const d = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(line.replace(/\/\/.*$/, ''));
    const kind = d?.[1];
    const arg = d?.[2]?.trim() ?? '';
    if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
      const value = kind === 'if' ? condition(arg) : (DEFINED[arg] !== undefined) === (kind === 'ifdef');
      frames.push({ active: value, taken: value, outer: live() });
    } else if (kind === 'elif' || kind === 'else') {
      const f = frames[frames.length - 1]!;
      f.active = !f.taken && (kind === 'else' || condition(arg));
      f.taken ||= f.active;
    } else if (kind === 'endif') frames.pop();
    else if (live()) kept.push(line.replace(/\/\/.*$/, ''));
  }
  return kept.join('\n');
}

const sources = ['core', 'wasm'].flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, native))
    .filter((f) => /\.(cpp|hpp)$/.test(f))
    .map((f) => ({ name: `${dir}/${f}`, text: wasmSource(readFileSync(new URL(`${dir}/${f}`, native), 'utf8')) })),
);

// Headers whose functions keep no hidden libc state (containers allocate through the locked malloc).
const STATELESS_HEADERS = new Set(['algorithm', 'atomic', 'cmath', 'cstddef', 'cstdint', 'cstdlib', 'cstring', 'limits', 'memory', 'system_error', 'vector', 'emscripten/emscripten.h', 'emscripten/emmalloc.h']);
// libc/C++ facilities with global or thread state: errno, stdio buffers, locale, environment,
// time zones, the rand() seed, atexit lists, thread-local storage. Calls only (a declaration
// `Type name(...)` of a local variable is not a call).
const STATEFUL_CALL = /(?<![\w>]\s+)\b(rand|srand|strtok|setlocale|localeconv|getenv|setenv|putenv|printf|fprintf|sprintf|snprintf|puts|fopen|fread|fwrite|fclose|time|clock|localtime|gmtime|mktime|strerror|atexit|signal|raise|exit|abort)\s*\(/;
const STATEFUL_NAME = /\b(errno|std::cout|std::cerr|std::thread|std::mutex|thread_local|pthread_\w+)\b/;

describe('threaded wasm: no libc state besides the locked allocator', () => {
  it('the core and the wasm bindings include only stateless headers', () => {
    expect(sources.length).toBeGreaterThan(8);
    for (const { name, text } of sources) {
      for (const [, header] of text.matchAll(/#include\s+<([^>]+)>/g)) {
        expect(STATELESS_HEADERS.has(header!), `${name} includes <${header}>`).toBe(true);
      }
    }
  });

  it('no stateful libc or C++ runtime facility is used', () => {
    for (const { name, text } of sources) {
      const hit = STATEFUL_CALL.exec(text) ?? STATEFUL_NAME.exec(text);
      expect(hit?.[0], `${name} uses ${hit?.[0]}`).toBeUndefined();
    }
  });

  it('the threaded module imports only its memory, the growth notice and proc_exit (no stdio, clock or environment)', () => {
    const module = new WebAssembly.Module(readFileSync(new URL('../../wasm/geodesic-threads.wasm', import.meta.url)));
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.sort()).toEqual(['env.emscripten_notify_memory_growth', 'env.memory', 'wasi_snapshot_preview1.proc_exit']);
  });

  it('malloc, free, memalign, calloc and realloc are all replaced by locked versions', () => {
    const locked = readFileSync(new URL('wasm/wasm_threads.cpp', native), 'utf8');
    for (const f of ['malloc', 'free', 'memalign', 'aligned_alloc', 'posix_memalign', 'calloc', 'realloc']) expect(locked).toMatch(new RegExp(`\\b${f}\\(`));
    expect(locked).toMatch(/Guard lock\(heap_lock\)/);
  });
});
