import { z } from "zod";
import { kubernetesOptionsSchema } from "../../compute/kubernetes/options-schema.ts";
import { WeftError, type ErrorCode } from "../../errors/weft-error.ts";
import { RESERVED_CARD_IDS } from "../card-api.ts";
import type { DecoratorUse } from "../class-metadata.ts";

const count = z.number().int().nonnegative();
const positive = z.number().positive();
/**
 * The longest @timeout and retry delay: Node's timers count in a signed 32-bit number
 * of milliseconds (24.8 days), and a wait that long is a mistake in any case.
 */
export const MAX_WAIT_DAYS = 24;
const MAX_WAIT_SECONDS = MAX_WAIT_DAYS * 86_400;
const stringMap = z.record(z.string(), z.string());
const secretSource = z.union([
  z.string().min(1),
  z.strictObject({
    type: z.string().min(1).optional(),
    id: z.string().min(1),
    options: z.strictObject({ envVarName: z.string().min(1).optional(), json: z.boolean().optional() }).optional(),
  }),
]);

/**
 * The option schema of every decorator. The same schema parses `@retry({ times: 3 })`
 * in a flow and `--with retry:times=3` on the command line.
 */
export const STEP_DECORATOR_SCHEMAS = {
  retry: z.strictObject({
    times: count.default(3),
    minutesBetweenRetries: z
      .number()
      .nonnegative()
      .max(MAX_WAIT_SECONDS / 60, `must be at most ${MAX_WAIT_SECONDS / 60} (${MAX_WAIT_DAYS} days)`)
      .default(0),
  }),
  catchError: z.strictObject({ var: z.string().regex(/^[A-Za-z]\w*$/, "must be an identifier").optional(), printException: z.boolean().default(true) }),
  timeout: z
    .strictObject({ seconds: z.number().nonnegative().default(0), minutes: z.number().nonnegative().default(0), hours: z.number().nonnegative().default(0) })
    .refine((t) => t.seconds + t.minutes + t.hours > 0, "give seconds, minutes or hours greater than 0")
    .refine(
      (t) => t.seconds + t.minutes * 60 + t.hours * 3600 <= MAX_WAIT_SECONDS,
      `the timeout must be at most ${MAX_WAIT_DAYS} days in all (${MAX_WAIT_DAYS * 24} hours, ${MAX_WAIT_SECONDS} seconds), e.g. { hours: 48 }`,
    ),
  resources: z.strictObject({ cpu: positive.optional(), memory: positive.optional(), gpu: count.optional(), disk: positive.optional() }),
  environment: z.strictObject({ vars: stringMap }),
  secrets: z.strictObject({ sources: z.array(secretSource).min(1), role: z.string().optional(), allowOverride: z.boolean().default(false) }),
  kubernetes: kubernetesOptionsSchema,
  // A step may have several cards: each use becomes one entry, and collectDecorators concatenates them.
  card: z
    .strictObject({
      type: z.enum(["default", "blank"], { message: 'must be "default" (the task\'s parameters, artifacts and place in the flow, after the components) or "blank" (the components only)' }).default("default"),
      id: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be an identifier of at most 64 letters, digits or _, e.g. report")
        .refine((id) => !RESERVED_CARD_IDS.includes(id), `must not be one of ${RESERVED_CARD_IDS.join(", ")}: current.card keeps those names`)
        .optional(),
      refreshInterval: z.number().min(0.5, "must be at least 0.5 (seconds)").max(3600, "must be at most 3600 (seconds)").default(5),
    })
    .transform((card) => [card]),
};

const triggerEvent = z.union([z.string(), z.strictObject({ name: z.string(), parameters: z.record(z.string(), z.string()).optional() })]);

/** Class decorators' option schemas; what the options mean beyond their shape is checked by loadFlow (see classDecorators). */
export const CLASS_DECORATOR_SCHEMAS = {
  schedule: z.strictObject({ cron: z.string().optional(), hourly: z.boolean().optional(), daily: z.boolean().optional(), weekly: z.boolean().optional(), timezone: z.string().optional() }),
  project: z.strictObject({ name: z.string().regex(/^[a-z0-9_]+$/, "must be lowercase letters, digits and _") }),
  trigger: z.strictObject({ event: triggerEvent.optional(), events: z.array(triggerEvent).optional() }),
  triggerOnFinish: z.strictObject({ flow: z.string().optional(), flows: z.array(z.string()).optional() }),
};

export type ClassDecoratorName = keyof typeof CLASS_DECORATOR_SCHEMAS;

/** A flow's class decorators after validation, by name. */
export type ClassDecorators = { [K in ClassDecoratorName]?: z.output<(typeof CLASS_DECORATOR_SCHEMAS)[K]> };

export type StepDecoratorName = keyof typeof STEP_DECORATOR_SCHEMAS;

/** A step's decorators after validation, by name. */
export type StepDecorators = { [K in StepDecoratorName]?: z.output<(typeof STEP_DECORATOR_SCHEMAS)[K]> };

export const STEP_DECORATOR_NAMES = Object.keys(STEP_DECORATOR_SCHEMAS) as StepDecoratorName[];

/**
 * Validates the options of one decorator use; `where` names it in the error, e.g.
 * "step train". A decorator from the command line fails as a USAGE error.
 */
export function validateStepDecorator(use: DecoratorUse, where: string, code: ErrorCode = "FLOW_INVALID"): StepDecorators {
  if (!Object.hasOwn(STEP_DECORATOR_SCHEMAS, use.name)) {
    throw new WeftError(code, `Unknown decorator "${use.name}" on ${where}.`, {
      hint: `Known step decorators: ${STEP_DECORATOR_NAMES.join(", ")}.`,
    });
  }
  const name = use.name as StepDecoratorName;
  const parsed = STEP_DECORATOR_SCHEMAS[name].safeParse(use.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? `option "${issue.path.join(".")}"` : "options";
    throw new WeftError(code, `Invalid ${field} of @${name} on ${where}: ${issue.message}.`, {
      hint: `Check @${name}(${JSON.stringify(use.options)}).`,
    });
  }
  return { [name]: parsed.data } as StepDecorators;
}

/**
 * Parses `--with NAME[:key=value,key=value]`. Each value is read as JSON when it is
 * valid JSON (`3`, `true`, `["a"]`), else as a string.
 */
export function parseWithOption(text: string): DecoratorUse {
  const [name = "", rest] = splitOnce(text, ":");
  if (!/^[A-Za-z]+$/.test(name)) {
    throw new WeftError("USAGE", `Invalid --with "${text}": expected NAME or NAME:key=value,key=value, e.g. "retry:times=3".`);
  }
  const options: Record<string, unknown> = {};
  // Split only at a comma that starts the next key, so JSON values may hold commas.
  for (const pair of rest ? rest.split(/,(?=[A-Za-z_]\w*=)/) : []) {
    const [key, value] = splitOnce(pair, "=");
    if (!key || value === undefined) {
      throw new WeftError("USAGE", `Invalid --with "${text}": "${pair}" is not key=value.`, { hint: `Example: --with retry:times=3,minutesBetweenRetries=1` });
    }
    options[key] = parseLiteral(value);
  }
  return { name, options };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function parseLiteral(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
