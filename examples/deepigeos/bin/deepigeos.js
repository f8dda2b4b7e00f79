#!/usr/bin/env node
// The `deepigeos` command: runs the compiled CLI (npm run build -w @deepigeos/examples first).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
