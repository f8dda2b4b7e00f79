// The same page without the .wasm recipe: tfjs cannot find its .wasm files in the bundle.
import { activeBackend, initBackend } from '@deepigeos/rnet';

async function run() {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn(...args);
  };
  await initBackend();
  await initBackend();
  return { backend: activeBackend(), warnings: warnings.filter((w) => w.includes('@deepigeos/pnet')) };
}

run().then(
  (value) => Object.assign(window, { __result: { ok: true, value } }),
  (error) => Object.assign(window, { __result: { ok: false, error: String(error?.stack ?? error) } }),
);
