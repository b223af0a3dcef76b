// Bundled by esbuild into one browser script that sets window.OpenAI, as a web app's bundler would.
import OpenAI from 'openai';

window.OpenAI = OpenAI;
