import assert from "node:assert/strict";
import { test } from "node:test";
import { containerResources, cpuQuantity } from "./resources.ts";

const base = { cpu: 1, memoryMb: 4096, diskMb: 10_240, gpu: 0, gpuVendor: "nvidia" as const };

test("cpu is requested with no limit, so a task is never throttled below what the node has free", () => {
  const { requests, limits } = containerResources({ ...base, cpu: 4 });
  assert.equal(requests.cpu, "4");
  assert.equal("cpu" in limits, false);
});

test("the memory and disk limits equal their requests, in MiB", () => {
  const { requests, limits } = containerResources({ ...base, memoryMb: 16_384, diskMb: 20_000.5 });
  assert.equal(requests.memory, "16384Mi");
  assert.equal(limits.memory, "16384Mi");
  assert.equal(requests["ephemeral-storage"], "20001Mi");
  assert.equal(limits["ephemeral-storage"], "20001Mi");
});

test("a gpu is requested and limited under its vendor's resource name", () => {
  assert.deepEqual(
    [containerResources({ ...base, gpu: 2 }).limits["nvidia.com/gpu"], containerResources({ ...base, gpu: 2 }).requests["nvidia.com/gpu"]],
    ["2", "2"],
  );
  const amd = containerResources({ ...base, gpu: 1, gpuVendor: "amd" });
  assert.equal(amd.limits["amd.com/gpu"], "1");
  assert.equal("nvidia.com/gpu" in amd.limits, false);
  assert.equal(Object.keys(containerResources(base).limits).some((k) => k.endsWith("/gpu")), false);
});

test("cpuQuantity writes fractions as millicores, rounded up to 1m", () => {
  assert.deepEqual([0.5, 2.25, 0.1, 0.0001, 3, 1.0005].map(cpuQuantity), ["500m", "2250m", "100m", "1m", "3", "1001m"]);
});
