import { useState } from "react";
import { AuthBanner } from "./components/AuthBanner.tsx";
import { ComparePage } from "./pages/ComparePage.tsx";
import { RunPage } from "./pages/RunPage.tsx";
import { RunsPage } from "./pages/RunsPage.tsx";
import { TaskPage } from "./pages/TaskPage.tsx";
import { href, navigate, onLink, parseRoute, useLocation } from "./router.ts";

export function App() {
  const { pathname, search } = useLocation();
  const route = parseRoute(pathname, search);
  return (
    <>
      <header className="top">
        <a className="brand" href="/" onClick={onLink}>
          Weft
        </a>
        <Breadcrumbs pathname={pathname} />
        <PathspecSearch />
      </header>
      <AuthBanner />
      <main>
        {route.page === "runs" && <RunsPage flow={route.flow} search={search} />}
        {route.page === "run" && <RunPage flow={route.flow} run={route.run} step={route.step} />}
        {route.page === "task" && <TaskPage flow={route.flow} run={route.run} step={route.step} task={route.task} search={search} />}
        {route.page === "compare" && <ComparePage runs={route.runs} />}
        {route.page === "unknown" && <p className="empty">No page at {route.path}: a page is a pathspec such as /IrisFlow/42/fit/3.</p>}
      </main>
    </>
  );
}

function Breadcrumbs({ pathname }: { pathname: string }) {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "-") return <nav className="crumbs">compare</nav>;
  return (
    <nav className="crumbs" aria-label="pathspec">
      {parts.map((p, i) => (
        <span key={i}>
          <span className="sep">/</span>
          <a href={href(...parts.slice(0, i + 1))} onClick={onLink}>
            {p}
          </a>
        </span>
      ))}
    </nav>
  );
}

/** Goes to a pathspec typed or pasted: Flow, Flow/run, Flow/run/step or Flow/run/step/task. */
function PathspecSearch() {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState("");
  return (
    <form
      className="pathspec"
      onSubmit={(event) => {
        event.preventDefault();
        const parts = text.trim().replace(/^\/+|\/+$/g, "").split("/");
        if (!text.trim() || parts.length > 4 || parts.some((p) => !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(p))) {
          setProblem("A pathspec is Flow, Flow/run, Flow/run/step or Flow/run/step/task, e.g. IrisFlow/42/fit/3.");
          return;
        }
        setProblem("");
        navigate(href(...parts));
      }}
    >
      <input aria-label="Go to pathspec" placeholder="Go to pathspec: IrisFlow/42/fit/3" value={text} onChange={(e) => setText(e.target.value)} />
      {problem && <span className="problem">{problem}</span>}
    </form>
  );
}
