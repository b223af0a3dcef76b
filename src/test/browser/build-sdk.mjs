// Bundles the pinned OpenAI JS SDK (package.json, package-lock.json) into one browser script, openai.js.
// Run by BrowserClientsTest after `npm ci` in target/browser-sdk; the result is never committed.
import { buildSync } from 'esbuild';

buildSync({
  entryPoints: ['sdk-entry.mjs'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  outfile: 'openai.js',
  logLevel: 'warning',
});
