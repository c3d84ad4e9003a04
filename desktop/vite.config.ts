import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The kiosk renderer: desktop/src/renderer → desktop/dist/renderer (served by the browser host
 * and by Electron). `--mode e2e` builds the end-to-end tests' variant into dist/renderer-e2e,
 * the only build whose `__SCRUTIN_E2E__` is true (the audio ballot then reports what it says as
 * window events; src/renderer/build_flags.d.ts).
 */
export default defineConfig(({ mode }) => ({
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  // Relative asset URLs: the same build loads from http://127.0.0.1 (browser host) and app:// (Electron).
  base: './',
  plugins: [react()],
  define: { __SCRUTIN_E2E__: JSON.stringify(mode === 'e2e') },
  build: {
    outDir: fileURLToPath(new URL(mode === 'e2e' ? './dist/renderer-e2e' : './dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    // Nothing inlined as data: URLs or inline scripts: the CSP allows files from the app only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's sources carry /* @__PURE__ */ comments Rollup cannot place; harmless.
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
}));
