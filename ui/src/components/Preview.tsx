import type { PreviewNode } from "../types.ts";

type Node<K extends PreviewNode["kind"]> = Extract<PreviewNode, { kind: K }>;

/** A scalar inline; containers as an expandable tree; arrays of records as a table; typed arrays as a summary; PNG/JPEG as an image. */
export function PreviewView({ node, depth = 0 }: { node: PreviewNode; depth?: number }) {
  switch (node.kind) {
    case "null":
    case "undefined":
      return <span className="v-null">{node.kind}</span>;
    case "boolean":
      return <span className="v-bool">{String(node.value)}</span>;
    case "number":
      return <span className="v-num">{String(node.value)}</span>;
    case "bigint":
      return <span className="v-num">{node.value}n</span>;
    case "string":
      return (
        <span className="v-str">
          "{node.value}"{node.length > node.value.length && <span className="muted"> …({node.length - node.value.length} more characters)</span>}
        </span>
      );
    case "date":
      return <span className="v-date">{node.value}</span>;
    case "regexp":
      return <span className="v-str">{node.value}</span>;
    case "error":
      return (
        <div className="v-error">
          <strong>
            {node.name}: {node.message}
          </strong>
          {node.stack && <pre>{node.stack}</pre>}
        </div>
      );
    case "typed":
      return <TypedSummary node={node} />;
    case "image":
      return <img className="v-image" alt={`${node.mime} artifact, ${node.bytes} bytes`} src={`data:${node.mime};base64,${node.base64}`} />;
    case "ref":
      return <span className="muted">(a reference to an object shown elsewhere)</span>;
    case "cut":
      return <span className="muted">… (the preview ends here)</span>;
    case "opaque":
      return <span className="muted">{node.note}</span>;
    case "array":
      return isTable(node) ? <RecordTable node={node} /> : <Container label={`Array(${node.length})`} depth={depth} items={node.items.map((v, i) => [String(i), v])} more={node.complete ? 0 : node.length - node.items.length} />;
    case "object":
      return <Container label={`{${node.count} keys}`} depth={depth} items={node.entries} more={node.complete ? 0 : Math.max(1, node.count - node.entries.length)} />;
    case "map":
      return <Container label={`Map(${node.count})`} depth={depth} items={node.entries.map(([k, v]) => [keyText(k), v])} more={node.complete ? 0 : Math.max(1, node.count - node.entries.length)} />;
    case "set":
      return <Container label={`Set(${node.count})`} depth={depth} items={node.items.map((v, i) => [String(i), v])} more={node.complete ? 0 : Math.max(1, node.count - node.items.length)} />;
  }
}

const keyText = (k: PreviewNode) => (k.kind === "string" ? k.value : k.kind === "number" || k.kind === "bigint" || k.kind === "boolean" ? String(k.value) : k.kind);

function Container({ label, items, more, depth }: { label: string; items: [string, PreviewNode][]; more: number; depth: number }) {
  return (
    <details className="v-tree" open={depth < 2}>
      <summary>{label}</summary>
      <ul>
        {items.map(([k, v], i) => (
          <li key={i}>
            <span className="v-key">{k}</span>: <PreviewView node={v} depth={depth + 1} />
          </li>
        ))}
        {more > 0 && <li className="muted">… {more} more not in the preview</li>}
      </ul>
    </details>
  );
}

/** An array whose items are all objects (records). */
function isTable(node: Node<"array">): boolean {
  return node.items.length >= 2 && node.items.every((i) => i.kind === "object");
}

function RecordTable({ node }: { node: Node<"array"> }) {
  const rows = node.items as Node<"object">[];
  const columns = [...new Set(rows.flatMap((r) => r.entries.map(([k]) => k)))].slice(0, 30);
  return (
    <div className="v-table">
      <table>
        <thead>
          <tr>
            <th>#</th>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const cells = new Map(r.entries);
            return (
              <tr key={i}>
                <td className="muted">{i}</td>
                {columns.map((c) => (
                  <td key={c}>{cells.has(c) ? <PreviewView node={cells.get(c)!} depth={3} /> : ""}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="muted">
        {rows.length} of {node.length} rows{node.complete ? "" : " (preview)"}
      </div>
    </div>
  );
}

function TypedSummary({ node }: { node: Node<"typed"> }) {
  return (
    <div className="v-typed">
      <strong>
        {node.type}({node.length})
      </strong>
      {node.image && <span className="muted"> — {node.image.toUpperCase()} bytes, too large to show</span>}
      {node.stats && (
        <div>
          min {fmt(node.stats.min)} · max {fmt(node.stats.max)} · mean {fmt(node.stats.mean)}
          {node.stats.of < node.length && <span className="muted"> (over the first {node.stats.of} values)</span>}
        </div>
      )}
      <div className="muted">
        [{node.head.join(", ")}
        {node.length > node.head.length ? ", …" : ""}]
      </div>
    </div>
  );
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(6));

/** Plain JSON (parameter values) with the same look. */
export function JsonValue({ value }: { value: unknown }) {
  return <PreviewView node={toNode(value)} depth={1} />;
}

function toNode(value: unknown): PreviewNode {
  if (value === null) return { kind: "null" };
  if (Array.isArray(value)) return { kind: "array", length: value.length, items: value.map(toNode), complete: true };
  if (typeof value === "object") {
    const entries = Object.entries(value as object).map(([k, v]): [string, PreviewNode] => [k, toNode(v)]);
    return { kind: "object", entries, count: entries.length, complete: true };
  }
  if (typeof value === "string") return { kind: "string", value, length: value.length };
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "boolean") return { kind: "boolean", value };
  return { kind: "undefined" };
}
