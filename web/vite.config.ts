import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The web UI: built into web/dist and served by the API itself (src/api/plugins/web.ts). `npm run dev:web` proxies
// the API to a running service (EVM_API, default http://127.0.0.1:8080).
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200, sourcemap: false },
  server: {
    proxy: { '/api': { target: process.env.EVM_API ?? 'http://127.0.0.1:8080', ws: true } },
  },
});
