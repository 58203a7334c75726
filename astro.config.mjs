// The lesson site: Astro with Svelte islands. Source in site/, lessons in lessons/, built to
// dist/, which the lab server serves on its web port. `npm run dev` proxies /api (and the
// terminal WebSocket) to a running lab server: MAILLAB_API, default http://127.0.0.1:8080.
import { defineConfig } from 'astro/config';
import svelte from '@astrojs/svelte';
import { remarkLessonBlocks } from './site/lib/markdown/lessonBlocks.ts';
import { rehypeTableScroll } from './site/lib/markdown/tableScroll.ts';
import { postfixGrammar } from './site/lib/shiki/postfix.ts';
import { dovecotGrammar } from './site/lib/shiki/dovecot.ts';
import { zoneGrammar } from './site/lib/shiki/zone.ts';

const labApi = process.env.MAILLAB_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  srcDir: './site',
  outDir: './dist',
  publicDir: './site/public',
  integrations: [svelte()],
  telemetry: false,
  trailingSlash: 'ignore',
  markdown: {
    remarkPlugins: [remarkLessonBlocks],
    rehypePlugins: [rehypeTableScroll],
    shikiConfig: {
      themes: { light: 'github-light-default', dark: 'github-dark-default' },
      langs: [postfixGrammar, dovecotGrammar, zoneGrammar],
      wrap: false,
    },
  },
  vite: {
    // mermaid's chunks are large, and loaded only when a diagram comes into view.
    build: {
      chunkSizeWarningLimit: 2048,
      rollupOptions: {
        // A page whose only import is a stylesheet leaves an empty server chunk behind: harmless, but
        // `npm start` should print a one-line summary, not that.
        onwarn(warning, warn) {
          if (warning.code !== 'EMPTY_BUNDLE') warn(warning);
        },
      },
    },
    server: {
      // The Host header is kept (changeOrigin: false) so the bridge's same-origin check
      // sees the page's own origin on the WebSocket upgrade.
      proxy: { '/api': { target: labApi, ws: true, changeOrigin: false } },
    },
  },
});
