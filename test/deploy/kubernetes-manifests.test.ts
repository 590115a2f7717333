import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, test } from "node:test";
import { parse } from "@cdktf/hcl2json";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../helpers/weft-cli.ts";
import { validateObject } from "./manifest-schema.ts";

// deploy/kubernetes, built with `kubectl kustomize` (offline) and validated object by object.
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [field: string]: any };

const K8S = join(repoRoot, "deploy", "kubernetes");
const kubectlMissing = spawnSync("kubectl", ["version", "--client"]).error ? "kubectl is not installed (it builds the Kustomize overlays offline)" : undefined;
if (kubectlMissing && process.env.CI === "true") throw new Error(`${kubectlMissing}; CI needs it`);

const scratch = mkdtempSync(join(tmpdir(), "weft-kustomize-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** `kubectl kustomize dir`, parsed into objects. */
function build(dir: string): K8sObject[] {
  const result = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as K8sObject);
}

/** An overlay with the ingress component added, as Terraform builds it when var.ingress.enabled. */
function buildWithIngress(overlay: string): K8sObject[] {
  const dir = mkdtempSync(join(scratch, "ingress-"));
  // Kustomize accepts only relative paths to other kustomizations.
  const rel = (path: string) => relative(dir, path);
  writeFileSync(join(dir, "kustomization.yaml"), `resources:\n  - ${rel(join(K8S, "overlays", overlay))}\ncomponents:\n  - ${rel(join(K8S, "components", "ingress"))}\n`);
  return build(dir);
}

const find = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} is missing`);
  return found;
};

const variants: [string, () => K8sObject[]][] = [
  ["overlays/staging", () => build(join(K8S, "overlays", "staging"))],
  ["overlays/production", () => build(join(K8S, "overlays", "production"))],
  ["overlays/production with components/ingress", () => buildWithIngress("production")],
];

for (const [name, make] of variants) {
  describe(`kubectl kustomize ${name}`, { skip: kubectlMissing }, () => {
    const objects = kubectlMissing ? [] : make();

    test("every object validates against the official schemas, with no unknown field", async () => {
      assert.ok(objects.length >= 9, `${objects.length} objects`);
      const problems = (await Promise.all(objects.map((o) => validateObject(o)))).flat();
      assert.deepEqual(problems, []);
    });

    test("everything namespaced is in the weft namespace, which enforces the restricted pod security standard", () => {
      const namespace = find(objects, "Namespace", "weft");
      assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
      for (const o of objects.filter((o) => o.kind !== "Namespace")) assert.equal(o.metadata.namespace, "weft", `${o.kind}/${o.metadata.name}`);
    });

    test("the service runs non-root on a read-only root filesystem, with probes on /healthz and resources", () => {
      const pod = find(objects, "Deployment", "weft-service").spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
      for (const container of [...pod.initContainers, ...pod.containers]) {
        assert.equal(container.securityContext.readOnlyRootFilesystem, true, container.name);
        assert.equal(container.securityContext.allowPrivilegeEscalation, false, container.name);
        assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"], container.name);
        assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory, container.name);
      }
      const [service] = pod.containers;
      assert.deepEqual(service.args, ["service", "--host", "0.0.0.0", "--port", "8080"]);
      assert.equal(service.readinessProbe.httpGet.path, "/healthz");
      assert.equal(service.livenessProbe.httpGet.path, "/healthz");
    });

    test("an init container migrates the database with weft service --migrate-only before the service starts", () => {
      const pod = find(objects, "Deployment", "weft-service").spec.template.spec;
      assert.deepEqual(pod.initContainers.map((c: any) => [c.name, c.image, c.args]), [["migrate", pod.containers[0].image, ["service", "--migrate-only"]]]);
    });

    test("the database URL comes from the Key Vault secret the CSI driver syncs, never from a literal", () => {
      const pod = find(objects, "Deployment", "weft-service").spec.template.spec;
      const provider = find(objects, "SecretProviderClass", "weft-service-database");
      const [synced] = provider.spec.secretObjects;
      for (const container of [...pod.initContainers, ...pod.containers]) {
        const url = container.env.find((e: any) => e.name === "WEFT_SERVICE_DATABASE_URL");
        assert.deepEqual(url.valueFrom.secretKeyRef, { name: synced.secretName, key: synced.data[0].key }, container.name);
      }
      assert.ok(pod.volumes.some((v: any) => v.csi?.driver === "secrets-store.csi.k8s.io" && v.csi.volumeAttributes.secretProviderClass === provider.metadata.name));
      assert.match(provider.spec.parameters.objects, /objectName: weft-service-database-url/);
    });

    test("Weft's service accounts carry the workload identity annotation, and the Service and NetworkPolicy select the service's pods", () => {
      for (const account of ["weft-service", "weft-tasks"]) assert.ok(find(objects, "ServiceAccount", account).metadata.annotations?.["azure.workload.identity/client-id"], account);
      const labels = find(objects, "Deployment", "weft-service").spec.template.metadata.labels;
      const service = find(objects, "Service", "weft-service");
      assert.equal(service.spec.type, "ClusterIP");
      for (const [key, value] of Object.entries(service.spec.selector)) assert.equal(labels[key], value);
      const policy = find(objects, "NetworkPolicy", "weft-service");
      assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
      for (const [key, value] of Object.entries(policy.spec.podSelector.matchLabels)) assert.equal(labels[key], value);
      assert.deepEqual(policy.spec.egress[0].ports, [{ port: 5432, protocol: "TCP" }]);
    });
  });
}

describe("the overlays differ where they should", { skip: kubectlMissing }, () => {
  test("production runs two replicas under a disruption budget; staging one, with none", () => {
    const production = build(join(K8S, "overlays", "production"));
    const staging = build(join(K8S, "overlays", "staging"));
    assert.equal(find(production, "Deployment", "weft-service").spec.replicas, 2);
    assert.equal(find(production, "PodDisruptionBudget", "weft-service").spec.minAvailable, 1);
    assert.equal(find(staging, "Deployment", "weft-service").spec.replicas, 1);
    assert.equal(staging.some((o) => o.kind === "PodDisruptionBudget"), false);
  });

  test("no overlay exposes anything publicly; the ingress component adds TLS, OIDC and an allowance for the ingress controller", () => {
    for (const overlay of ["staging", "production"]) {
      const objects = build(join(K8S, "overlays", overlay));
      assert.deepEqual(objects.filter((o) => o.kind === "Ingress" || (o.kind === "Service" && o.spec.type !== "ClusterIP")), [], overlay);
    }
    const objects = buildWithIngress("staging");
    const ingress = find(objects, "Ingress", "weft-service");
    assert.equal(ingress.spec.tls[0].hosts[0], ingress.spec.rules[0].host);
    const env = find(objects, "Deployment", "weft-service").spec.template.spec.containers[0].env.map((e: any) => e.name);
    assert.ok(env.includes("WEFT_SERVICE_OIDC_ISSUER") && env.includes("WEFT_SERVICE_OIDC_AUDIENCE"));
    const from = find(objects, "NetworkPolicy", "weft-service").spec.ingress.map((rule: any) => rule.from[0].namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]);
    assert.deepEqual(from, [undefined, "app-routing-system"]);
  });
});

test("the names Terraform relies on match the manifests: namespace, service accounts, Key Vault object", { skip: kubectlMissing }, async () => {
  const main = (await parse("main.tf", readFileSync(join(repoRoot, "deploy", "azure", "terraform", "main.tf"), "utf8"))) as { locals: Record<string, string>[] };
  const locals = Object.assign({}, ...main.locals) as Record<string, string>;
  const objects = build(join(K8S, "base"));
  assert.equal(find(objects, "Namespace", locals.kubernetes_namespace!).kind, "Namespace");
  find(objects, "ServiceAccount", locals.service_account!);
  find(objects, "ServiceAccount", locals.tasks_service_account!);
  assert.match(find(objects, "SecretProviderClass", "weft-service-database").spec.parameters.objects, new RegExp(`objectName: ${locals.database_url_secret_name}\\n`));
  // The services stage patches the first egress rule's CIDR: it must be the PostgreSQL rule.
  assert.deepEqual(find(objects, "NetworkPolicy", "weft-service").spec.egress[0].ports, [{ port: 5432, protocol: "TCP" }]);
});
