/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * onnxruntime-web's WebAssembly binaries (the plain one for wasm sessions, the asyncify one
 * the WebGPU build runs on: src/workers/runtime/browser-ort.ts), served by the app itself at /ort/
 * (in dev from node_modules, in the build as an asset), so nothing comes
 * from a CDN and a saved page works offline.
 */
const ORT_FILES = [
  // onnxruntime-web/wasm (wasm sessions)
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.mjs',
  // onnxruntime-web/webgpu (WebGPU sessions)
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
];
function ortWasm(): Plugin {
  const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu'));
  return {
    name: 'ort-wasm',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.startsWith('/ort/') ? req.url.slice(5).split('?')[0] : null;
        if (!name || !ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.end(readFileSync(join(dist, name)));
      });
    },
    generateBundle(_, bundle) {
      for (const name of ORT_FILES)
        this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(dist, name)) });
      // onnxruntime's bundles name their binary with new URL(…, import.meta.url), so the build
      // copies it to assets/ as well; with wasmPaths set (browser-ort.ts) that copy is never
      // fetched: drop it (41 MB).
      for (const key of Object.keys(bundle))
        if (/^assets\/ort-wasm-simd-threaded[\w.-]*\.wasm$/.test(key)) delete bundle[key];
    },
  };
}

/**
 * Cross-origin isolation (COOP/COEP) lets onnxruntime-web use threaded wasm.
 * The Content-Security-Policy is what a deployment should send too
 * (README, "Deploying"): no remote scripts; 'wasm-unsafe-eval' for
 * onnxruntime's wasm; blob: and data: for images the user opens; connect-src
 * https: so model packages can be fetched from a URL the user gives.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' data: blob: https: http://localhost:* http://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), ortWasm()],
  server: { headers: isolation },
  preview: { headers: { ...isolation, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    // A hang guard, not a speed test: CLI tests that take 10 s on a quiet machine took 68 s on a loaded one.
    testTimeout: 180_000,
    setupFiles: ['tests/setup/fast-check-seed.ts'],
  },
});
