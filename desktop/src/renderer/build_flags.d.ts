/**
 * Set by Vite at build time (vite.config.ts `define`): true only in the end-to-end build of the
 * renderer (`vite build --mode e2e`, desktop/dist/renderer-e2e), false in every other build and
 * in unit tests (vitest.config.ts). Code under `if (__SCRUTIN_E2E__)` is left out of the
 * production bundle.
 */
declare const __SCRUTIN_E2E__: boolean;
