/**
 * The options of `weft run` and `weft resume`, as flags without `--`. A flow's
 * parameters become flags of the same commands, so lint refuses a parameter whose flag
 * is one of these. Kept free of commander so that lint (and a task) can import it.
 */
export const RUN_OPTIONS: readonly string[] = [
  "max-workers",
  "max-num-splits",
  "with",
  "tag",
  "datastore",
  "datastore-root",
  "metadata",
  "run-id",
  "create-only",
  "origin-run-id",
  "branch",
  "production",
  "config",
  "config-value",
  "help",
  "version",
];
