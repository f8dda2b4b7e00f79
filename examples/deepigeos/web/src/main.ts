// Entry point of the web app (index.html loads it).
import { startApp } from './app.js';
import { browserServices } from './services.js';

startApp(browserServices);
