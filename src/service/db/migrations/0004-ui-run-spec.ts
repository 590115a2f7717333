/**
 * What the web UI needs of a run that the runs table lacked: its spec (the flow's
 * graph, its parameter values and the datastore, kind and root, that holds its bytes),
 * and an index for listing the runs of every flow newest first. Named 0004 so that it
 * never collides with another branch's 0003.
 */
export const up = `
ALTER TABLE runs ADD COLUMN spec jsonb;
CREATE INDEX runs_by_created_all ON runs (created_at DESC);
`;
