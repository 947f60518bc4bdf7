import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by rapport/explorer.py at /app; assets under /app/assets/ (hashed names, cached a year).
export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    // Nothing inline: the page's Content-Security-Policy allows only files from this server.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { "/graphql": { target: "http://127.0.0.1:8000", ws: true }, "/export": "http://127.0.0.1:8000" },
  },
});
