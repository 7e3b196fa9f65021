// The app's routes, read from and written to the address bar. Pure except navigate().
export type Route =
  | { page: "start" }
  | { page: "machine"; name: string }
  | { page: "execution"; arn: string }
  | { page: "missing"; path: string };

export function parseRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "start" };
  const machine = /^\/machines\/(.+?)\/?$/.exec(pathname);
  if (machine) return { page: "machine", name: decodeURIComponent(machine[1]) };
  const execution = /^\/executions\/(.+?)\/?$/.exec(pathname);
  if (execution) return { page: "execution", arn: decodeURIComponent(execution[1]) };
  return { page: "missing", path: pathname };
}

export const machinePath = (name: string) => `/machines/${encodeURIComponent(name)}`;
// The ARN as it is: its colons are fine in a path.
export const executionPath = (arn: string) => `/executions/${arn}`;

export function navigate(path: string): void {
  window.history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
