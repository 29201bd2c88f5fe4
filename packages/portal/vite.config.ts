import { defineConfig } from 'vite';

// Preact's JSX through esbuild's automatic runtime: no Babel plugin needed.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true },
  server: {
    proxy: {
      '/customvision': 'http://127.0.0.1:3000',
      '/portal': 'http://127.0.0.1:3000',
      '/files': 'http://127.0.0.1:3000',
    },
  },
});
