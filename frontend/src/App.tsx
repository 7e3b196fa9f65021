// The app: one page per route; the address bar is the only router state.
import { useEffect, useState } from "react";
import DesignerPage from "./pages/DesignerPage";
import RunPage from "./pages/RunPage";
import StartPage from "./pages/StartPage";
import { parseRoute } from "./router";

export default function App() {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const route = parseRoute(path);
  useEffect(() => {
    const page = route.page === "machine" ? route.name : route.page === "execution" ? route.arn.split(":").pop() : null;
    document.title = page ? `${page} · Switchyard` : "Switchyard";
    // The route is read from the path, so the path is the one dependency.
  }, [path]);
  switch (route.page) {
    case "start":
      return <StartPage />;
    case "machine":
      return <DesignerPage key={route.name} name={route.name} />;
    case "execution":
      return <RunPage key={route.arn} arn={route.arn} />;
    default:
      return <main className="page"><h1>Not found</h1><p>No page at {route.path}. <a href="/">Start page</a></p></main>;
  }
}
