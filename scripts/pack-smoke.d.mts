/** Packs a workspace package and its internal deps, installs them offline into an empty project, runs `script` there, and returns its stdout. */
export function packInstallRun(opts: { packageDir: string; script: string; keep?: boolean }): string;
