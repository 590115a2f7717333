import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { FlowAnalysis } from "./analyze.ts";
import { readFlowCache, writeFlowCache } from "./flow-cache.ts";

describe("flow cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-flow-cache-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cacheDir = join(dir, "cache");
  const flow = join(dir, "flow.ts");
  const helper = join(dir, "helper.ts");
  const analysis = { file: flow, sourceSha: "x" } as unknown as FlowAnalysis;

  async function cached(): Promise<void> {
    writeFileSync(flow, "flow v1");
    writeFileSync(helper, "helper v1");
    mkdirSync(join(cacheDir, "code", "abc"), { recursive: true });
    writeFileSync(join(cacheDir, "code", "abc", "flow.mjs"), "bundle");
    await writeFlowCache(cacheDir, flow, analysis, "abc", [flow, helper]);
  }

  it("returns the analysis and code package while every input is unchanged", async () => {
    await cached();
    assert.deepEqual(await readFlowCache(cacheDir, flow), { analysis, codeSha: "abc" });
  });

  it("misses when any input file changes, or is gone", async () => {
    await cached();
    writeFileSync(helper, "helper v2");
    assert.equal(await readFlowCache(cacheDir, flow), undefined);
    await cached();
    unlinkSync(helper);
    assert.equal(await readFlowCache(cacheDir, flow), undefined);
  });

  it("misses when the code package was removed from the cache", async () => {
    await cached();
    unlinkSync(join(cacheDir, "code", "abc", "flow.mjs"));
    assert.equal(await readFlowCache(cacheDir, flow), undefined);
  });

  it("misses for a flow it never saw", async () => {
    assert.equal(await readFlowCache(cacheDir, join(dir, "other.ts")), undefined);
  });
});
