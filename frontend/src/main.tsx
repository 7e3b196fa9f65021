import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./styles.css";
import App from "./App";
import { prewarm } from "./layout/runLayout";

if (window.location.pathname.startsWith("/machines/") || window.location.pathname.startsWith("/executions/")) prewarm();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
