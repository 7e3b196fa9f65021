import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Django serves dist/index.html at "/" and dist/assets/* at "/assets/".
// In development (`npm run dev`) API calls go to the Django server.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
});
