import { WeftError } from "../errors/weft-error.ts";

/** Where a run of a flow with `@project` belongs: the project, the branch, and the names they make. */
export interface ProjectInfo {
  /** `@project({ name })`. */
  name: string;
  /** `user.<name>` by default, `test.<branch>` with `--branch`, `prod` with `--production` (`prod.<branch>` with both). */
  branch: string;
  /** `<project>.<branch>.<Flow>`: what deployments (Argo templates) of this branch are named after. */
  flowName: string;
}

/** How `weft run` was asked to place the run: `--branch NAME`, `--production`. */
export interface BranchChoice {
  branch?: string;
  production?: boolean;
}

const BRANCH = /^[a-z0-9_]{1,64}$/;

/**
 * The branch of a run, as Metaflow's @project names it: `user.<user>` for a user's own
 * runs, `test.<branch>` for a named test branch, `prod` (or `prod.<branch>`) for
 * production. The user name is lowercased and every character other than a letter,
 * digit or `_` becomes `_`, so the branch is safe in names of deployments and tags.
 */
export function projectBranch(user: string, choice: BranchChoice): string {
  if (choice.branch !== undefined && !BRANCH.test(choice.branch)) {
    throw new WeftError("USAGE", `Invalid --branch "${choice.branch}": a branch name is 1 to 64 lowercase letters, digits and _.`, { hint: "e.g. --branch new_features" });
  }
  if (choice.production) return choice.branch ? `prod.${choice.branch}` : "prod";
  if (choice.branch) return `test.${choice.branch}`;
  return `user.${user.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
}

/** `<project>.<branch>.<Flow>`: a pure function, for run records and deployment names alike. */
export function projectFlowName(project: string, branch: string, flow: string): string {
  return `${project}.${branch}.${flow}`;
}

/** The project of a run of `flow` by `user`; undefined for a flow without @project, which refuses a branch choice. */
export function projectOf(flow: string, project: { name: string } | undefined, user: string, choice: BranchChoice): ProjectInfo | undefined {
  if (!project) {
    if (choice.branch !== undefined || choice.production) {
      throw new WeftError("USAGE", `${choice.production ? "--production" : "--branch"} needs a flow with @project, and ${flow} has none.`, { hint: `Add @project({ name: "my_project" }) to the class ${flow}, or drop the option.` });
    }
    return undefined;
  }
  const branch = projectBranch(user, choice);
  return { name: project.name, branch, flowName: projectFlowName(project.name, branch, flow) };
}

/** The system tags that record a run's project, as Metaflow's: `project:<name>`, `project_branch:<branch>`. */
export function projectTags(project: ProjectInfo | undefined): string[] {
  return project ? [`project:${project.name}`, `project_branch:${project.branch}`] : [];
}

/** A run's project read back from its system tags, or undefined when it has none. */
export function projectFromTags(flow: string, systemTags: readonly string[]): ProjectInfo | undefined {
  const name = systemTags.find((t) => t.startsWith("project:"))?.slice("project:".length);
  const branch = systemTags.find((t) => t.startsWith("project_branch:"))?.slice("project_branch:".length);
  return name && branch ? { name, branch, flowName: projectFlowName(name, branch, flow) } : undefined;
}
