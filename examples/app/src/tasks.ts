// Keeping the page's main thread responsive during long work: yielding to the event loop between
// steps, and waiting for the GPU without a blocking WebGL call.

/** Resolves in a new task, so input, rendering and progress can run before the work goes on. */
export function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Resolves once the GPU has executed every command issued so far on `gl`, polling a fence between
 * tasks. Building a large volume's textures queues seconds of GPU work where WebGL runs in
 * software; the first blocking call after it (a canvas resize, a pixel read-back by the compositor)
 * would freeze the page until that work is done. Gives up after `timeoutMs` (the caller then simply
 * goes on) and when the context is lost.
 */
export async function gpuIdle(gl: WebGL2RenderingContext, timeoutMs = 5_000): Promise<void> {
  const fence = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
  if (!fence) return;
  gl.flush();
  const deadline = performance.now() + timeoutMs;
  try {
    while (!gl.isContextLost() && gl.getSyncParameter(fence, gl.SYNC_STATUS) !== gl.SIGNALED && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    gl.deleteSync(fence);
  }
}
