import type { ContentStore } from "../datastore/content-store.ts";
import type { TaskData } from "../datastore/task-datastore.ts";
import type { ArtifactInfo } from "../metadata/types.ts";

/** What the metadata provider records of an attempt's artifacts: where and what, never the bytes. */
export function artifactMetadata(content: ContentStore, data: TaskData): ArtifactInfo[] {
  return Object.entries(data.artifacts).map(([name, a]) => ({ name, sha: a.sha, type: a.type, size: a.size, location: content.keyOf(a.sha) }));
}
