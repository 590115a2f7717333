// How a configuration value's text is checked. Plain functions rather than zod schemas:
// a task process resolves its datastore's settings at start-up, and importing zod would
// cost it ~65 ms of CPU (docs/benchmarks.md, "Azure task overhead").

/** Checks one value's text: the value to use, or why the text is invalid (e.g. "must not be empty"). */
export type Check = (text: string) => { value: string } | { problem: string };

export const nonEmpty: Check = (text) => (text.length > 0 ? { value: text } : { problem: "must not be empty" });

/**
 * A URL the WHATWG parser accepts, as zod's `z.url()` checks it: surrounding
 * whitespace is ignored, tabs and line breaks inside are dropped.
 */
export function url(problem: string): Check {
  return (text) => {
    const trimmed = text.trim();
    return URL.canParse(trimmed) ? { value: trimmed.replace(/[\t\n\r]/g, "") } : { problem };
  };
}

/** One of `allowed`, after replacing an alias by the value it stands for. */
export function oneOf(allowed: readonly string[], problem: string, aliases: Record<string, string> = {}): Check {
  return (text) => {
    const value = aliases[text] ?? text;
    return allowed.includes(value) ? { value } : { problem };
  };
}

export function matches(pattern: RegExp, problem: string): Check {
  return (text) => (pattern.test(text) ? { value: text } : { problem });
}

/** A check by a function that says what is wrong with the text, or undefined. */
export function satisfies(problemOf: (text: string) => string | undefined): Check {
  return (text) => {
    const problem = problemOf(text);
    return problem === undefined ? { value: text } : { problem };
  };
}
