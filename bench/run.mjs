// Runs every benchmark, or those named: `npm run bench [-- task-overhead lazy-artifacts]`.
// Each prints its figures against a baseline measured in the same run.
import { artifactThroughput } from "./artifact-throughput.mjs";
import { azureArtifacts } from "./azure-artifacts.mjs";
import { azureDatastore } from "./azure-datastore.mjs";
import { azureTaskOverhead } from "./azure-task-overhead.mjs";
import { cardRender } from "./card-render.mjs";
import { kubernetesTaskOverhead } from "./kubernetes-task-overhead.mjs";
import { lazyArtifacts } from "./lazy-artifacts.mjs";
import { resumeClone } from "./resume-clone.mjs";
import { serviceBench } from "./service.mjs";
import { taskOverhead } from "./task-overhead.mjs";
import { uiBench } from "./ui.mjs";

const BENCHMARKS = {
  "task-overhead": () => taskOverhead(),
  "artifact-throughput": () => artifactThroughput(),
  "lazy-artifacts": () => lazyArtifacts(),
  "resume-clone": () => resumeClone(),
  "azure-datastore": () => azureDatastore(),
  "azure-task-overhead": () => azureTaskOverhead(),
  "azure-artifacts": () => azureArtifacts(),
  service: () => serviceBench(),
  "card-render": () => cardRender(),
  "kubernetes-task-overhead": () => kubernetesTaskOverhead(),
  ui: () => uiBench(),
};

const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!(name in BENCHMARKS)) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(", ")}`);
    process.exit(2);
  }
}
for (const name of chosen.length ? chosen : Object.keys(BENCHMARKS)) await BENCHMARKS[name]();
