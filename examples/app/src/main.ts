import { App } from './app.js';

const app = new App();
void app.start().catch((error: unknown) => {
  const el = document.getElementById('message');
  if (el) el.textContent = `the app failed to start: ${(error as Error).message}`;
  console.error(error);
});
