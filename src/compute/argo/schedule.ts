// @schedule as an Argo CronWorkflow, and the checks that run when the flow is checked:
// a cron expression Argo accepts (five fields, names allowed for months and days) and
// a timezone from the IANA database.
import type { CronWorkflow, WorkflowTemplate } from "./types.ts";

/** @schedule's options, validated: exactly one of cron, hourly, daily and weekly. */
export interface ScheduleSpec {
  cron?: string;
  hourly?: boolean;
  daily?: boolean;
  weekly?: boolean;
  timezone?: string;
}

/** The shorthands, as Metaflow's @schedule has them: on the hour, at midnight, at midnight on Sunday. */
const SHORTHANDS = { hourly: "0 * * * *", daily: "0 0 * * *", weekly: "0 0 * * 0" } as const;

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
] as const;

/** The cron expression of a schedule. */
export function cronOf(schedule: ScheduleSpec): string {
  if (schedule.cron !== undefined) return schedule.cron.trim();
  const short = (Object.keys(SHORTHANDS) as (keyof typeof SHORTHANDS)[]).find((k) => schedule[k]);
  return SHORTHANDS[short ?? "daily"];
}

/** What is wrong with a schedule, or undefined when Argo will take it. */
export function scheduleProblem(schedule: ScheduleSpec): string | undefined {
  const given = (["cron", "hourly", "daily", "weekly"] as const).filter((k) => schedule[k] !== undefined && schedule[k] !== false);
  if (given.length !== 1) return `give exactly one of cron, hourly, daily or weekly (got ${given.length ? given.join(", ") : "none"}), e.g. @schedule({ cron: "0 6 * * 1-5" }) or @schedule({ daily: true })`;
  if (schedule.cron !== undefined) {
    const problem = cronProblem(schedule.cron);
    if (problem) return problem;
  }
  if (schedule.timezone !== undefined && !isTimezone(schedule.timezone)) return `timezone "${schedule.timezone}" is not in the IANA time zone database; use a name such as "Europe/Paris" or "America/New_York"`;
  return undefined;
}

/** Why `cron` is not a five-field cron expression, or undefined when it is one. */
export function cronProblem(cron: string): string | undefined {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) return `cron "${cron}" has ${parts.length} field${parts.length === 1 ? "" : "s"}; it needs five: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`;
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    const names: readonly string[] = "names" in field ? field.names : [];
    for (const item of part.split(",")) {
      const [range = "", step] = item.split("/");
      if (step !== undefined && !/^\d+$/.test(step)) return `cron "${cron}": the step "/${step}" of the ${field.name} field must be a number`;
      if (range === "*" || range === "?") continue;
      const bounds = range.split("-");
      const values = bounds.map((b) => (/^\d+$/.test(b) ? Number(b) : names.indexOf(b.toLowerCase()) + (field.min === 1 ? 1 : 0)));
      const bad = values.some((v, j) => (names.includes(bounds[j]!.toLowerCase()) ? false : !/^\d+$/.test(bounds[j]!) || v < field.min || v > field.max));
      if (bounds.length > 2 || bad) return `cron "${cron}": "${item}" is not a valid ${field.name} (${field.min}–${field.max}${names.length ? ` or ${names.slice(0, 3).join(", ")}…` : ""}, *, ranges a-b, lists a,b and steps /n)`;
    }
  }
  return undefined;
}

function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The CronWorkflow that starts the deployment on its schedule; one run at a time is not enforced (Allow), as Metaflow does. */
export function cronWorkflow(template: WorkflowTemplate, schedule: ScheduleSpec): CronWorkflow {
  const { name, namespace, labels, annotations } = template.metadata;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "CronWorkflow",
    metadata: { name: name!, namespace: namespace!, labels: labels ?? {}, annotations: annotations ?? {} },
    spec: {
      schedules: [cronOf(schedule)],
      ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
      concurrencyPolicy: "Allow",
      startingDeadlineSeconds: 0,
      workflowSpec: { workflowTemplateRef: { name: name! } },
      workflowMetadata: { labels: template.spec.workflowMetadata?.labels ?? {} },
    },
  };
}
