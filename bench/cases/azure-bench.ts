// Runs the Azure datastore benchmark cases against one Azurite, alternating Weft and
// the raw SDK. Must run inside a loopback-only network namespace (bench/azure-datastore.mjs).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { startAzurite } from "../../test/azure/azurite.ts";

const root = join(import.meta.dirname, "..", "..");
const azurite = await startAzurite();
try {
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("bench").create();
  const run = (mode: string, count: number, sizeMiB: number) => {
    const out = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(root, "bench/cases/azure-io.ts"), mode, String(count), String(sizeMiB), azurite.blobEndpoint, azurite.accountName, azurite.accountKey], { cwd: root, encoding: "utf8" });
    if (out.status !== 0) throw new Error(`${mode} ${count}×${sizeMiB}: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split("\n").pop()!) as { save: number; load: number; maxRssMiB: number };
  };
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  for (const [count, sizeMiB] of [[100, 1], [1, 256]] as const) {
    const sdk: ReturnType<typeof run>[] = [];
    const weft: ReturnType<typeof run>[] = [];
    for (let i = 0; i < repeats; i++) {
      sdk.push(run("sdk", count, sizeMiB));
      weft.push(run("weft", count, sizeMiB));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const mb = (count * sizeMiB * 1048576) / 1e6;
    const [ws, wl, ss, sl] = [median(weft.map((r) => r.save)), median(weft.map((r) => r.load)), median(sdk.map((r) => r.save)), median(sdk.map((r) => r.load))];
    const rss = Math.max(...weft.map((r) => r.maxRssMiB));
    const sdkRss = Math.max(...sdk.map((r) => r.maxRssMiB));
    console.log(
      `azure-datastore ${count} × ${sizeMiB} MiB: save ${(mb / ws).toFixed(0)} MB/s vs SDK ${(mb / ss).toFixed(0)} MB/s (${((ss / ws) * 100).toFixed(0)}%) | ` +
        `load ${(mb / wl).toFixed(0)} MB/s vs SDK ${(mb / sl).toFixed(0)} MB/s (${((sl / wl) * 100).toFixed(0)}%) | ` +
        `save+load ${(((ss + sl) / (ws + wl)) * 100).toFixed(0)}% of the SDK | peak RSS ${rss.toFixed(0)} MiB (SDK ${sdkRss.toFixed(0)} MiB) = ${(rss / sizeMiB).toFixed(2)}× the largest artifact (median of ${repeats})`,
    );
  }
} finally {
  await azurite.stop();
}
