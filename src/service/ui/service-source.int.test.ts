import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { LocalBackend } from "../../datastore/local/local-backend.ts";
import { ServiceMetadata } from "../../metadata/service/service-metadata.ts";
import { startService, type RunningService } from "../server.ts";
import { uiSourceContract } from "./ui-source-contract.ts";

const TABLES = "flows, runs, steps, tasks, attempts, artifacts, task_metadata, cards, metrics";
let service: RunningService;
const dbDir = mkdtempSync(join(tmpdir(), "weft-ui-service-db-"));
before(async () => {
  service = await startService({ host: "127.0.0.1", port: 0, heartbeatTimeoutMs: 60_000, database: { dataDir: dbDir } });
});
after(async () => {
  await service?.close();
  rmSync(dbDir, { recursive: true, force: true });
});

uiSourceContract("the metadata service (ServiceUiSource over PGlite)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-ui-service-"));
  const meta = new ServiceMetadata({ url: service.url });
  return {
    meta,
    backend: new LocalBackend(dir),
    url: service.url,
    cleanup: async () => {
      meta.close();
      await service.db.query(`TRUNCATE ${TABLES} CASCADE`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
