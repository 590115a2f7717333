import { parse } from "@babel/parser";
import type * as t from "@babel/types";
import { WeftError } from "../../errors/weft-error.ts";

/** One `this.next(...)` call as written. */
export interface ParsedTransition {
  line: number;
  /** Step names; null where an argument is not `this.<name>`. */
  targets: (string | null)[];
  /** The foreach option: the field name, "" when it names no field, undefined when absent. */
  foreach: string | undefined;
  /**
   * A switch (`this.next({ fast: this.a }, { condition: "mode" })`): its cases in source
   * order, each key null where it is not a literal and target null where it is not
   * `this.<name>`. Absent for other transitions.
   */
  cases?: ParsedCase[];
  /** The switch's condition: the field name, "" when it names no field as a string literal, undefined when absent. */
  condition?: string;
  /** Whether the call is the last statement of the step body. */
  isLast: boolean;
}

/** One case of a switch as written. */
export interface ParsedCase {
  key: string | null;
  target: string | null;
}

export interface ParsedStep {
  name: string;
  line: number;
  /** Number of declared parameters; a join takes one (`inputs`). */
  arity: number;
  /** Decorators other than @step, by name, in source order. */
  decorators: string[];
  /** The line of each decorator other than @step, by name (absent in caches written before). */
  decoratorLines?: Record<string, number>;
  /**
   * Every property name the body uses in a member access (`this.rows`, `input.score`):
   * the artifacts it is likely to read, fetched ahead on a remote datastore.
   */
  mentions: string[];
  transitions: ParsedTransition[];
}

export interface ParsedParam {
  field: string;
  line: number;
  /** For `@config` and `@includeFile`: the `default` file when written as a string literal. */
  defaultFile?: string;
}

/** What the static analysis of a flow file finds, without executing it. */
export interface ParsedFlow {
  file: string;
  className: string;
  line: number;
  steps: ParsedStep[];
  /** Methods without `@step`, to tell a missing decorator from an unknown name. */
  plainMethods: string[];
  params: ParsedParam[];
  /** `@config` fields. */
  configs: ParsedParam[];
  /** `@includeFile` fields: CLI flags, as parameters are. */
  includeFiles: ParsedParam[];
  /** Declared fields and every `this.<name> =` assignment: what a foreach may name. */
  fields: string[];
}

/** Parses a flow file and finds its default-exported class. Throws FLOW_INVALID on syntax errors. */
export function parseFlowSource(source: string, file: string): ParsedFlow {
  let ast: t.File;
  try {
    ast = parse(source, { sourceType: "module", sourceFilename: file, plugins: ["typescript", "decorators", "explicitResourceManagement"] });
  } catch (cause) {
    const err = cause as Error & { loc?: { line: number } };
    throw new WeftError("FLOW_INVALID", `${file}:${err.loc?.line ?? "?"}: syntax error: ${err.message}`, { cause });
  }
  const cls = findDefaultExportedClass(ast.program, file);
  const flow: ParsedFlow = {
    file,
    className: cls.id?.name ?? "(anonymous)",
    line: cls.loc?.start.line ?? 0,
    steps: [],
    plainMethods: [],
    params: [],
    configs: [],
    includeFiles: [],
    fields: [],
  };
  for (const member of cls.body.body) {
    const name = memberName(member);
    if (name === undefined) continue;
    if (member.type === "ClassMethod" && member.kind === "method") {
      if (hasDecorator(member, "step")) flow.steps.push(parseStep(member, name));
      else flow.plainMethods.push(name);
      collectAssignments(member.body, flow.fields);
    } else if (member.type === "ClassProperty" || member.type === "ClassAccessorProperty") {
      flow.fields.push(name);
      const declared = { field: name, line: member.loc?.start.line ?? 0 };
      if (hasDecorator(member, "param")) flow.params.push(declared);
      for (const [name, list] of [["config", flow.configs], ["includeFile", flow.includeFiles]] as const) {
        const use = (member.decorators ?? []).find((d) => decoratorName(d) === name);
        if (!use) continue;
        const options = use.expression.type === "CallExpression" ? use.expression.arguments[0] : undefined;
        const defaultFile = options?.type === "ObjectExpression" ? literalOption(options, "default") : undefined;
        list.push({ ...declared, ...(defaultFile ? { defaultFile } : {}) });
      }
    }
  }
  return flow;
}

function findDefaultExportedClass(program: t.Program, file: string): t.ClassDeclaration | t.ClassExpression {
  const classes = new Map<string, t.ClassDeclaration>();
  for (const statement of program.body) {
    const decl = statement.type === "ExportNamedDeclaration" ? statement.declaration : statement;
    if (decl?.type === "ClassDeclaration" && decl.id) classes.set(decl.id.name, decl);
  }
  for (const statement of program.body) {
    if (statement.type === "ExportDefaultDeclaration") {
      const decl = statement.declaration;
      if (decl.type === "ClassDeclaration" || decl.type === "ClassExpression") return decl;
      if (decl.type === "Identifier" && classes.has(decl.name)) return classes.get(decl.name)!;
    }
    // export { MyFlow as default }
    if (statement.type === "ExportNamedDeclaration" && !statement.source) {
      for (const spec of statement.specifiers) {
        const exported = spec.exported.type === "Identifier" ? spec.exported.name : spec.exported.value;
        if (spec.type === "ExportSpecifier" && exported === "default" && classes.has(spec.local.name)) return classes.get(spec.local.name)!;
      }
    }
  }
  throw new WeftError("FLOW_INVALID", `${file}: no default-exported flow class.`, {
    hint: "A flow file default-exports one FlowSpec subclass: `export default class MyFlow extends FlowSpec { … }`.",
  });
}

function memberName(member: t.ClassBody["body"][number]): string | undefined {
  if (!("key" in member) || ("computed" in member && member.computed)) return undefined;
  const key = member.key;
  if (key.type === "Identifier") return key.name;
  if (key.type === "StringLiteral") return key.value;
  return undefined;
}

function hasDecorator(member: { decorators?: t.Decorator[] | null }, name: string): boolean {
  return (member.decorators ?? []).some((d) => decoratorName(d) === name);
}

/** `step` for @step, `retry` for @retry({…}) or @weft.retry({…}). */
function decoratorName(d: t.Decorator): string | undefined {
  const expr = d.expression.type === "CallExpression" ? d.expression.callee : d.expression;
  if (expr.type === "Identifier") return expr.name;
  if (expr.type === "MemberExpression" && expr.property.type === "Identifier") return expr.property.name;
  return undefined;
}

function parseStep(method: t.ClassMethod, name: string): ParsedStep {
  const body = method.body.body;
  const last = body[body.length - 1];
  const transitions: ParsedTransition[] = [];
  const mentions = new Set<string>();
  walk(method.body, (node) => {
    if (node.type === "MemberExpression" && !node.computed && node.property.type === "Identifier") mentions.add(node.property.name);
    if (node.type !== "CallExpression" || !isThisMember(node.callee, "next")) return;
    transitions.push(parseTransition(node, last));
  });
  const decorators: string[] = [];
  const decoratorLines: Record<string, number> = {};
  for (const d of method.decorators ?? []) {
    const dname = decoratorName(d);
    if (dname === undefined || dname === "step") continue;
    decorators.push(dname);
    if (d.loc && !(dname in decoratorLines)) decoratorLines[dname] = d.loc.start.line;
  }
  return { name, line: method.key.loc?.start.line ?? method.loc?.start.line ?? 0, arity: method.params.length, decorators, decoratorLines, mentions: [...mentions].sort(), transitions };
}

function parseTransition(call: t.CallExpression, last: t.Statement | undefined): ParsedTransition {
  const args = [...call.arguments];
  const isLast = last?.type === "ExpressionStatement" && unwrap(last.expression) === call;
  const line = call.loc?.start.line ?? 0;
  // A switch's cases come first, as an object of steps: this.next({ a: this.a }, { condition: "x" }).
  const head = args[0];
  const cases = head?.type === "ObjectExpression" && args.length <= 2 ? parseCases(head) : undefined;
  if (cases) args.shift();
  let foreach: string | undefined;
  let condition: string | undefined;
  const tail = args[args.length - 1];
  if (tail?.type === "ObjectExpression") {
    args.pop();
    // "" marks an option that names no field as a string literal; lint reports it.
    foreach = literalOption(tail, "foreach");
    condition = literalOption(tail, "condition");
  }
  const targets = cases ? cases.map((c) => c.target) : args.map(stepName);
  return { line, targets, foreach, isLast, ...(cases ? { cases, condition: condition ?? "" } : condition !== undefined ? { condition } : {}) };
}

/** The cases of a switch, or undefined when the object holds no step (it is an options object). */
function parseCases(object: t.ObjectExpression): ParsedCase[] | undefined {
  const cases = object.properties.map((p) => {
    if (p.type !== "ObjectProperty") return { key: null, target: null };
    const key = p.computed ? null : p.key.type === "Identifier" ? p.key.name : p.key.type === "StringLiteral" ? p.key.value : p.key.type === "NumericLiteral" ? String(p.key.value) : null;
    return { key, target: stepName(p.value) };
  });
  return cases.some((c) => c.target !== null) ? cases : undefined;
}

function literalOption(options: t.ObjectExpression, name: string): string | undefined {
  const prop = options.properties.find((p): p is t.ObjectProperty => p.type === "ObjectProperty" && keyName(p.key) === name);
  if (!prop) return undefined;
  return prop.value.type === "StringLiteral" ? prop.value.value : "";
}

function stepName(node: t.Node): string | null {
  return node.type === "MemberExpression" && node.object.type === "ThisExpression" && node.property.type === "Identifier" ? node.property.name : null;
}

function unwrap(expr: t.Expression): t.Expression {
  return expr.type === "AwaitExpression" ? expr.argument : expr;
}

function keyName(key: t.ObjectProperty["key"]): string | undefined {
  return key.type === "Identifier" ? key.name : key.type === "StringLiteral" ? key.value : undefined;
}

function isThisMember(node: t.Node, property: string): boolean {
  return node.type === "MemberExpression" && node.object.type === "ThisExpression" && node.property.type === "Identifier" && node.property.name === property;
}

function collectAssignments(body: t.Node, into: string[]): void {
  walk(body, (node) => {
    if (node.type === "AssignmentExpression" && node.left.type === "MemberExpression" && node.left.object.type === "ThisExpression" && node.left.property.type === "Identifier") {
      if (!into.includes(node.left.property.name)) into.push(node.left.property.name);
    }
  });
}

/** Visits every node below `root` in source order. */
function walk(root: t.Node, visit: (node: t.Node) => void): void {
  const stack: t.Node[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    visit(node);
    const children: t.Node[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (key === "loc" || key === "leadingComments" || key === "trailingComments" || key === "innerComments") continue;
      if (Array.isArray(value)) for (const v of value) if (isNode(v)) children.push(v);
      if (isNode(value)) children.push(value);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

function isNode(value: unknown): value is t.Node {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}
