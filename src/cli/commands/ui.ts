import { Command, InvalidArgumentError } from "commander";
import { resolveConfig } from "../../config/resolve.ts";
import { serviceConnectionOf } from "../../config/task-environment.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { openStores } from "../../runtime/stores.ts";
import { importOptional } from "../optional-import.ts";

const port = (text: string) => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new InvalidArgumentError(`--port must be a whole number from 0 to 65535, got "${text}".`);
  return n;
};

export function uiCommand(): Command {
  return new Command("ui")
    .description("serve the web UI: this machine's runs (local metadata) or the metadata service's (WEFT_DEFAULT_METADATA=service)")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", port, 8090)
    .action(async (opts: { host: string; port: number }) => {
      const config = resolveConfig();
      const apps = await importOptional(() => import("../../service/ui/ui-apps.ts"));
      const uiDir = apps.uiDirectory();
      let app: import("fastify").FastifyInstance;
      let source: string;
      if (config.values.metadata === "service") {
        const connection = serviceConnectionOf(config.values);
        if (!connection) throw new WeftError("CONFIG", "WEFT_DEFAULT_METADATA is service but WEFT_SERVICE_URL is not set.", { hint: "Set WEFT_SERVICE_URL to the metadata service, e.g. http://127.0.0.1:8080." });
        const token = connection.tokenFile ? apps.tokenFromFile(connection.tokenFile) : () => connection.token;
        app = await apps.buildProxyUiApp({ serviceUrl: connection.url, token }, uiDir);
        source = `the metadata service at ${connection.url}`;
      } else {
        const stores = await openStores(config);
        app = await apps.buildLocalUiApp(stores.metadata, stores.backend, uiDir);
        source = `${stores.metadata.kind} metadata in ${stores.metadata.location}`;
      }
      await app.listen({ host: opts.host, port: opts.port }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EADDRINUSE" && error.code !== "EADDRNOTAVAIL") throw error;
        throw new WeftError("CONFIG", `Cannot listen on ${opts.host}:${opts.port}: ${error.code === "EADDRINUSE" ? "the port is in use" : "no such address on this machine"}.`, { hint: "Pass another --port (0 picks a free one) or --host." });
      });
      const address = app.server.address();
      const bound = typeof address === "object" && address ? address.port : opts.port;
      const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      process.stderr.write(`Weft UI on http://${host}:${bound}/ (${source}). Ctrl-C stops it.\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void app.close().then(() => resolve());
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
