import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Django serves dist/index.html at "/" and dist/assets/* at "/assets/".
// In development (`npm run dev`) API calls go to the Django server.
export default defineConfig({
  plugins: [react()],
  // CodeMirror and the canvas are one chunk by design; ELK loads apart, in its worker.
  build: { chunkSizeWarningLimit: 1500 },
  worker: { format: "es" },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
});
