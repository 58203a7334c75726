// The lesson site: Astro with Svelte islands. Source in site/, built to dist/, which the lab
// server serves on its web port.
import { defineConfig } from 'astro/config';
import svelte from '@astrojs/svelte';

export default defineConfig({
  srcDir: './site',
  outDir: './dist',
  publicDir: './site/public',
  integrations: [svelte()],
  telemetry: false,
});
