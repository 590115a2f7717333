import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBackend } from "../../datastore/local/local-backend.ts";
import { LocalMetadata } from "../../metadata/local/local-metadata.ts";
import { buildLocalUiApp } from "./ui-apps.ts";
import { uiSourceContract } from "./ui-source-contract.ts";

uiSourceContract("weft ui on local metadata (LocalUiSource)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-ui-local-"));
  const uiDir = join(dir, "ui");
  mkdirSync(uiDir);
  writeFileSync(join(uiDir, "index.html"), "<!doctype html><title>Weft</title>");
  const backend = new LocalBackend(join(dir, "datastore"));
  const meta = new LocalMetadata(backend);
  const app = await buildLocalUiApp(meta, backend, uiDir);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address() as { port: number };
  return {
    meta,
    backend,
    url: `http://127.0.0.1:${address.port}`,
    cleanup: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
