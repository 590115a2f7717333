import { useEffect, useState } from "react";

/**
 * Pages by URL: the path is the pathspec, so a link pasted in a chat opens the same
 * view. `/` lists runs; `/Flow` its runs; `/Flow/run` a run; `/Flow/run/step` a run
 * with its task list on that step; `/Flow/run/step/task` a task; `/-/compare?runs=…`
 * compares runs (`-` cannot start a flow name).
 */
export type Route =
  | { page: "runs"; flow?: string }
  | { page: "run"; flow: string; run: string; step?: string }
  | { page: "task"; flow: string; run: string; step: string; task: string }
  | { page: "compare"; runs: string[] }
  | { page: "unknown"; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "-" && parts[1] === "compare") return { page: "compare", runs: new URLSearchParams(search).getAll("runs") };
  const [flow, run, step, task] = parts;
  if (parts.length === 0) return { page: "runs" };
  if (parts.length === 1) return { page: "runs", flow: flow! };
  if (parts.length === 2) return { page: "run", flow: flow!, run: run! };
  if (parts.length === 3) return { page: "run", flow: flow!, run: run!, step: step! };
  if (parts.length === 4) return { page: "task", flow: flow!, run: run!, step: step!, task: task! };
  return { page: "unknown", path: pathname };
}

export const href = (...parts: string[]) => `/${parts.map(encodeURIComponent).join("/")}`;

/** Goes to a page without reloading. */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** The current location, updated on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const read = () => ({ pathname: location.pathname, search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return loc;
}

/** A click on a link that navigates in place (modifier clicks keep their usual meaning). */
export function onLink(event: React.MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute("href")!);
}
