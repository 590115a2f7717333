import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { freshDatabase, postgresUnavailable, type FreshDatabase } from "../../../test/helpers/postgres.ts";
import { startService, type RunningService } from "../../service/server.ts";
import { CONTRACT_HEARTBEAT_TIMEOUT_MS, metadataProviderContract } from "../provider-contract.ts";
import { ServiceMetadata } from "./service-metadata.ts";

const TABLES = "flows, runs, steps, tasks, attempts, artifacts, task_metadata";
const options = { host: "127.0.0.1", port: 0, heartbeatTimeoutMs: CONTRACT_HEARTBEAT_TIMEOUT_MS };

/** One service per database for the whole file; each test starts from empty tables. */
function contractOver(name: string, start: () => Promise<{ service: RunningService; stop(): Promise<void> }>): void {
  let started: { service: RunningService; stop(): Promise<void> };
  before(async () => {
    started = await start();
  });
  after(() => started?.stop());
  metadataProviderContract(name, async () => {
    const meta = new ServiceMetadata({ url: started.service.url });
    return {
      meta,
      cleanup: async () => {
        meta.close();
        await started.service.db.query(`TRUNCATE ${TABLES} CASCADE`);
      },
    };
  });
}

describe("the service provider over PGlite", () => {
  contractOver("ServiceMetadata (PGlite)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-service-db-"));
    const service = await startService({ ...options, database: { dataDir: dir } });
    return { service, stop: async () => (await service.close(), rmSync(dir, { recursive: true, force: true })) };
  });
});

const unavailable = await postgresUnavailable();
describe("the service provider over PostgreSQL", { skip: unavailable }, () => {
  let db: FreshDatabase;
  contractOver("ServiceMetadata (PostgreSQL)", async () => {
    db = await freshDatabase();
    const service = await startService({ ...options, database: { url: db.url } });
    return { service, stop: async () => (await service.close(), await db.drop()) };
  });
});
