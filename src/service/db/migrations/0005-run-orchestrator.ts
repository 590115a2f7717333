/**
 * A run scheduled by an orchestrator (Argo Workflows) records it: the orchestrator owns
 * the run's liveness, so such a run is never read as lost for want of heartbeats (its
 * first pod may wait in a queue for long), and its exit handler records the end.
 */
export const up = `ALTER TABLE runs ADD COLUMN orchestrator jsonb;`;
