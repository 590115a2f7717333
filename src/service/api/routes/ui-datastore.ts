import type { TaskRef } from "../../../datastore/layout.ts";
import type { StorageBackend } from "../../../datastore/types.ts";
import type { UiSource } from "../../ui/types.ts";
import { ApiError, runPath } from "../api-error.ts";

/** The run's datastore, or a 404 saying why it cannot be read. */
export async function datastore(source: UiSource, ref: TaskRef): Promise<StorageBackend> {
  const store = await source.datastoreOf(ref.flow, ref.run);
  if (!store) throw new ApiError(404, "not_found", `${runPath(ref)} does not exist or has no datastore on record (started by a Weft without the web UI), so its logs, artifacts and cards cannot be read here.`);
  return store;
}
