import { WeftError } from "../errors/weft-error.ts";
import { ID_RULE, isValidId } from "../metadata/ids.ts";
import { isValidName, NAME_RULE } from "../metadata/names.ts";

/** A parsed `Flow[/run[/step[/task]]]`. */
export interface Pathspec {
  flow: string;
  run?: string;
  step?: string;
  task?: string;
}

/**
 * Parses a pathspec, requiring at least `depth` parts (1 flow … 4 task). Throws a
 * USAGE error that shows the expected form.
 */
export function parsePathspec(text: string, minDepth: 1 | 2 | 3 | 4, maxDepth: 1 | 2 | 3 | 4 = 4): Pathspec {
  const forms = ["Flow", "Flow/run", "Flow/run/step", "Flow/run/step/task"];
  const expected = forms.slice(minDepth - 1, maxDepth).map((f) => `"${f}"`).join(" or ");
  const parts = text.split("/");
  const example = ["TrainFlow", "TrainFlow/12", "TrainFlow/12/train", "TrainFlow/12/train/3"][maxDepth - 1];
  const bad = (why: string) => new WeftError("USAGE", `Invalid pathspec "${text}": ${why}.`, { hint: `Expected ${expected}, e.g. "${example}".` });
  if (parts.length < minDepth || parts.length > maxDepth) throw bad(`it has ${parts.length} part${parts.length === 1 ? "" : "s"}`);
  const [flow = "", run, step, task] = parts;
  if (!isValidName(flow)) throw bad(`the flow name must be ${NAME_RULE}`);
  if (run !== undefined && !isValidId(run)) throw bad(`the run id must be ${ID_RULE}`);
  if (step !== undefined && !isValidName(step)) throw bad(`the step name must be ${NAME_RULE}`);
  if (task !== undefined && !isValidId(task)) throw bad(`the task id must be ${ID_RULE}`);
  return { flow, ...(run ? { run } : {}), ...(step ? { step } : {}), ...(task ? { task } : {}) };
}
