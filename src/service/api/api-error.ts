/** An answer other than success, with the body the client and the user read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** 404 naming exactly what was asked for. */
export const notFound = (what: string): ApiError => new ApiError(404, "not_found", `${what} does not exist.`);

export const runPath = (p: { flow: string; run: string }) => `Run ${p.flow}/${p.run}`;
export const stepPath = (p: { flow: string; run: string; step: string }) => `Step ${p.flow}/${p.run}/${p.step}`;
export const taskPath = (p: { flow: string; run: string; step: string; task: string }) => `Task ${p.flow}/${p.run}/${p.step}/${p.task}`;
