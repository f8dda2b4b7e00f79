/** True when Debian's Chromium is installed. */
export function hasChromium(): boolean;
/** Serves a folder on 127.0.0.1 at a free port; `crossOriginIsolated: true` adds the COOP/COEP headers. */
export function serveStatic(root: string, opts?: { crossOriginIsolated?: boolean }): Promise<{ url: string; close: () => void }>;
/** Launches Debian's Chromium through playwright-core with the flags this machine needs. */
export function launchChromium(): Promise<{ context: import('playwright-core').BrowserContext; close: () => Promise<void> }>;
/**
 * Bundles `entry` with Vite, runs its default export in headless Chromium, resolves to its JSON result.
 * `crossOriginIsolated: true` serves the page with COOP `same-origin` and COEP `require-corp`.
 */
export function runInChromium(opts: { entry: string; timeoutMs?: number; crossOriginIsolated?: boolean }): Promise<unknown>;
