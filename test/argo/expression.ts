// The expressions Argo evaluates, reduced to the syntax the compiler emits and no more:
// a DAG task's `depends` (`a.Succeeded && (b.Succeeded || c.Skipped)`), its `when`
// after substitution (`'quick' == 'quick'`, govaluate), and a retryStrategy's
// `expression` (`!(lastRetry.exitCode in ['2', '4'])`, expr). Grammar:
//
//   or := and ("||" and)*        and := unary ("&&" unary)*
//   unary := "!" unary | compare   compare := value (("==" | "!=" | "in") value)?
//   value := string | number | true | false | name | "(" or ")" | "[" value ("," value)* "]"
//
// A string is quoted with ' or " (no escapes: Argo's quoting is only as good as the
// substituted text); a name is letters, digits and `_ . -` (task names hold `-`; there
// is no subtraction). Anything else, and a name the scope does not define, throws: an
// expression the real controller would read differently must fail the test, not pass.
export type Value = string | number | boolean | Value[];

/** An expression Argo would refuse or read otherwise; the node that holds it errors. */
export class ExpressionError extends Error {}

type Token = { kind: "string" | "number" | "name" | "op"; text: string };

const TOKEN = /\s*(?:(\|\||&&|==|!=|[!()[\],])|'([^']*)'|"([^"]*)"|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.-]*))/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new ExpressionError(`Cannot read the expression ${JSON.stringify(source)} at offset ${at}`);
    if (m[1] !== undefined) tokens.push({ kind: "op", text: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) tokens.push({ kind: "string", text: m[2] ?? m[3]! });
    else if (m[4] !== undefined) tokens.push({ kind: "number", text: m[4] });
    else tokens.push({ kind: m[5] === "in" ? "op" : "name", text: m[5]! });
  }
  return tokens;
}

/** Evaluates `source` with `lookup` giving each name's value (throw for an unknown one). */
export function evaluate(source: string, lookup: (name: string) => Value): Value {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i]?.text;
  const expect = (text: string) => {
    if (tokens[i]?.text !== text) throw new ExpressionError(`Expected "${text}" in ${JSON.stringify(source)} at token ${i}, found ${tokens[i]?.text ?? "the end"}`);
    i++;
  };
  const truth = (v: Value): boolean => {
    if (typeof v !== "boolean") throw new ExpressionError(`${JSON.stringify(v)} is not a boolean in ${JSON.stringify(source)}`);
    return v;
  };
  const or = (): Value => {
    let left = and();
    while (peek() === "||") {
      i++;
      const right = and();
      left = truth(left) || truth(right);
    }
    return left;
  };
  const and = (): Value => {
    let left = unary();
    while (peek() === "&&") {
      i++;
      const right = unary();
      left = truth(left) && truth(right);
    }
    return left;
  };
  const unary = (): Value => {
    if (peek() === "!") {
      i++;
      return !truth(unary());
    }
    return compare();
  };
  const compare = (): Value => {
    const left = value();
    const op = peek();
    if (op !== "==" && op !== "!=" && op !== "in") return left;
    i++;
    const right = value();
    if (op === "in") {
      if (!Array.isArray(right)) throw new ExpressionError(`"in" needs a list on its right in ${JSON.stringify(source)}`);
      return right.some((r) => equal(left, r));
    }
    return op === "==" ? equal(left, right) : !equal(left, right);
  };
  const value = (): Value => {
    const token = tokens[i++];
    if (!token) throw new ExpressionError(`${JSON.stringify(source)} ends early`);
    if (token.kind === "string") return token.text;
    if (token.kind === "number") return Number(token.text);
    if (token.kind === "name") return token.text === "true" ? true : token.text === "false" ? false : lookup(token.text);
    if (token.text === "(") {
      const inner = or();
      expect(")");
      return inner;
    }
    if (token.text === "[") {
      const items: Value[] = [];
      if (peek() !== "]") {
        items.push(value());
        while (peek() === ",") {
          i++;
          items.push(value());
        }
      }
      expect("]");
      return items;
    }
    throw new ExpressionError(`Unexpected "${token.text}" in ${JSON.stringify(source)}`);
  };
  const result = or();
  if (i !== tokens.length) throw new ExpressionError(`Unexpected "${tokens[i]!.text}" in ${JSON.stringify(source)}`);
  return result;
}

/** Equality as expr has it: no coercion, so '2' == 2 is false. */
function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** The results a `depends` term may test, per Argo's enhanced depends logic. */
const RESULTS = ["Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed"] as const;
export type TaskResult = (typeof RESULTS)[number];

/** The tasks a `depends` expression names, each of which must have completed before it is read. */
export function dependsTasks(depends: string): string[] {
  const names = tokenize(depends).filter((t) => t.kind === "name" && t.text !== "true" && t.text !== "false").map((t) => t.text);
  return [...new Set(names.map((n) => splitResult(n).task))];
}

/** `a.Succeeded` → task a, result Succeeded; a bare `a` stands for `a.Succeeded || a.Skipped || a.Daemoned`. */
export function splitResult(name: string): { task: string; result?: TaskResult } {
  const dot = name.lastIndexOf(".");
  const result = dot > 0 ? name.slice(dot + 1) : "";
  return (RESULTS as readonly string[]).includes(result) ? { task: name.slice(0, dot), result: result as TaskResult } : { task: name };
}
