// Builds the web console (web/) into dist/web, which the Tapline server serves at "/".
// `npx vite` runs a dev server that forwards /api to a Tapline server on 127.0.0.1:8080.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'web',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': { target: process.env.TAPLINE_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
