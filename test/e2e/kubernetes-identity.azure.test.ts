// Workload identity, end to end: the runner signs in with a service principal, but its
// secret never reaches a pod. The task's service account carries
// azure.workload.identity/client-id, so the pod gets the label, the (fake) webhook gives it
// the federated token, and the task reaches Blob Storage (Azurite with --oauth basic) with
// a token from the (fake) Entra ID: no key anywhere in the cluster.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { V1Job } from "@kubernetes/client-node";
import { azuriteSkipReason, caBundle } from "../azure/azurite.ts";
import { startTokenServer, type TokenServer } from "../azure/token-server.ts";
import { weftRuntimeImage } from "../kube/kubelet.ts";
import { FIXTURES, IMAGE, NAMESPACE, podLogs, startKubernetesWorld, type KubernetesWorld } from "../helpers/kubernetes-runs.ts";
import { runWeft } from "../helpers/weft-cli.ts";

describe("workload identity on Kubernetes", { skip: azuriteSkipReason(), timeout: 180_000 }, () => {
  let entra: TokenServer;
  let world: KubernetesWorld;
  before(async () => {
    entra = await startTokenServer();
    const runtime = weftRuntimeImage();
    const image = { ...runtime, env: { ...runtime.env } as Record<string, string> };
    world = await startKubernetesWorld({
      container: "k8s-identity",
      azurite: { oauth: true },
      api: { workloadIdentity: { tenantId: entra.tenantId, authorityHost: entra.authorityHost } },
      kubelet: { images: { [IMAGE]: image }, issueToken: () => readFileSync(entra.federatedTokenFile, "utf8") },
    });
    // The image trusts the test's CA, as an image built for a private CA would; the bundle holds Azurite's certificate only now that it runs.
    image.env.NODE_EXTRA_CA_CERTS = caBundle();
    world.kube.objects.create("serviceaccounts", { metadata: { name: "weft-tasks", namespace: NAMESPACE, annotations: { "azure.workload.identity/client-id": entra.clientId } } });
    // The user's shell: a service principal, and no Kubernetes secret for the pods.
    for (const name of ["AZURE_STORAGE_CONNECTION_STRING", "WEFT_KUBERNETES_SECRETS"]) delete world.env[name];
    Object.assign(world.env, {
      WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: world.azurite.blobEndpoint,
      NODE_EXTRA_CA_CERTS: caBundle(),
      AZURE_TENANT_ID: entra.tenantId,
      AZURE_CLIENT_ID: entra.clientId,
      AZURE_CLIENT_SECRET: entra.clientSecret,
      AZURE_AUTHORITY_HOST: entra.authorityHost,
      WEFT_KUBERNETES_SERVICE_ACCOUNT: "weft-tasks",
    });
  });
  after(async () => {
    await world?.stop();
    await entra?.stop();
  });

  it("pods reach Blob Storage with a federated token, and no secret of this machine is in any Job", async () => {
    const assertionsBefore = entra.requests.filter((r) => r.clientAuth === "client_assertion").length;
    const result = await runWeft(["run", join(FIXTURES, "wide-flow.ts"), "--width", "2", "--with", "kubernetes", "--run-id", "identity"], { cwd: world.dir, env: world.env, timeoutMs: 120_000 });
    assert.equal(result.code, 0, `${result.stderr}\n${podLogs(world, "identity")}`);
    assert.match(result.stdout, /total 1/);

    const jobs = world.kube.objects.list<V1Job>("jobs", NAMESPACE).filter((j) => j.metadata?.annotations?.["weft/run"] === "identity");
    assert.equal(jobs.length, 5);
    for (const job of jobs) {
      const pod = job.spec!.template;
      assert.equal(pod.metadata?.labels?.["azure.workload.identity/use"], "true");
      assert.equal(pod.spec?.serviceAccountName, "weft-tasks");
      const text = JSON.stringify(job);
      assert.ok(!text.includes(entra.clientSecret), "the client secret is not in the Job");
      assert.ok(!text.includes(world.azurite.accountKey), "the account key is not in the Job");
      assert.deepEqual(pod.spec?.containers[0]?.envFrom ?? [], [], "no Kubernetes secret is needed");
    }
    assert.ok(entra.requests.filter((r) => r.clientAuth === "client_assertion").length > assertionsBefore, "the pods signed in with the federated token");
  });
});
