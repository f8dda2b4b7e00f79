// Copies the addon built by `cmake-js` into prebuilds/<platform>-<arch>/, the folder the loader
// and the published package use.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
mkdirSync(target, { recursive: true });
copyFileSync(join(root, 'build', 'Release', 'geodesic.node'), join(target, 'geodesic.node'));
console.log(`copied build/Release/geodesic.node to ${target}`);
