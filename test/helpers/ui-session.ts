import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page, Response } from "playwright-core";
import { launchChromium } from "./chromium.ts";
import { runWeft, tempProject, type CliResult } from "./weft-cli.ts";
import { startWeftService, type ServiceProcess } from "./weft-service.ts";

/** A real `weft service --ui` in a temporary project, the CLI pointed at it, and a Chromium page to look at it with. */
export interface UiSession {
  /** The project folder: flows are written and run here. */
  dir: string;
  service: ServiceProcess;
  /** 1280×900; every alert, confirm or prompt it opens is dismissed and recorded in `dialogs`. */
  page: Page;
  /** The messages of the dialogs the page opened: run text shown as markup would open some. */
  dialogs: string[];
  /** A file that appears on `release()` (or at `close()`): a flow waits for it to stay running while the page watches. */
  releaseFile: string;
  release(): void;
  /** `weft <args>` with the service as metadata, HOME in the project and USER "tester". */
  cli(args: string[]): Promise<CliResult>;
  /** Goes to `path` on the service. */
  open(path: string): Promise<Response | null>;
  /** A full-page screenshot, `name`.png in WEFT_UI_SCREENSHOTS (docs/ui/ keeps the ones docs/ui.md shows), else in a temporary folder. */
  shot(name: string): Promise<Buffer>;
  /** Releases held flows, waits for every CLI run started here, closes the browser, stops the service, removes the project. */
  close(): Promise<void>;
}

/** Starts the service (with `serviceArgs` after `--ui`) in a new project named `prefix…`, then the browser. */
export async function startUiSession(prefix: string, serviceArgs: string[] = []): Promise<UiSession> {
  const dir = tempProject(prefix);
  const home = join(dir, "home");
  const releaseFile = join(dir, "release");
  mkdirSync(home, { recursive: true });
  const shots = process.env.WEFT_UI_SCREENSHOTS ?? join(tmpdir(), "weft-ui-screenshots");
  mkdirSync(shots, { recursive: true });
  const service = await startWeftService(["--ui", ...serviceArgs], dir, { HOME: home });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await service.stop();
    throw error;
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A bound, not a wait (a locator resolves as soon as its element shows): a task that a
  // test waits for can take more than Playwright's 30 s to start on a busy 2-core machine.
  page.setDefaultTimeout(120_000);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const runs = new Set<Promise<unknown>>();
  const release = () => writeFileSync(releaseFile, "");
  return {
    dir,
    service,
    page,
    dialogs,
    releaseFile,
    release,
    cli: (args) => {
      const run = runWeft(args, { cwd: dir, env: { HOME: home, WEFT_DEFAULT_METADATA: "service", WEFT_SERVICE_URL: service.url }, timeoutMs: 600_000 });
      runs.add(run.catch(() => undefined));
      return run;
    },
    open: (path) => page.goto(`${service.url}${path}`),
    shot: (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true }),
    close: async () => {
      release();
      await Promise.all(runs);
      await browser.close();
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
