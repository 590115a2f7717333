import { useState } from "react";
import { paths, postJson } from "../api.ts";

/** The run's user tags, added and removed in place (system tags are shown, not editable). */
export function Tags({ flow, run, tags, systemTags }: { flow: string; run: string; tags: string[]; systemTags: string[] }) {
  const [current, setCurrent] = useState<string[] | null>(null);
  const [text, setText] = useState("");
  const [problem, setProblem] = useState("");
  const shown = current ?? tags;
  const change = async (kind: "add" | "remove", list: string[]) => {
    try {
      const answer = await postJson<{ tags: string[]; missing?: string[] }>(`${paths.run(flow, run)}/tags/${kind}`, { tags: list });
      setCurrent(answer.tags);
      setProblem(answer.missing?.length ? `Not on the run: ${answer.missing.join(", ")}` : "");
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <div className="tags-editor">
      {shown.map((t) => (
        <span key={t} className="tag">
          {t}
          <button aria-label={`remove tag ${t}`} onClick={() => void change("remove", [t])}>
            ×
          </button>
        </span>
      ))}
      {systemTags.map((t) => (
        <span key={t} className="tag system" title="system tag">
          {t}
        </span>
      ))}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) void change("add", [text.trim()]).then(() => setText(""));
        }}
      >
        <input aria-label="New tag" placeholder="add a tag" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      {problem && <span className="error">{problem}</span>}
    </div>
  );
}
