import type { WeftConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { weftPackage } from "../../runtime/package-root.ts";
import { taskArgv } from "../../runtime/task/args.ts";
import type { AttemptOutcome, AttemptRequest, ComputeBackend, LaunchedAttempt } from "../types.ts";
import { KubeApi } from "./kube-api.ts";
import { KubeAttempt } from "./kube-attempt.ts";
import { failedLaunch } from "./launch-failure.ts";
import { jobManifest } from "./job-manifest.ts";
import { runLabelSelector } from "./labels.ts";
import { resolveKubernetesOptions } from "./options.ts";
import { checkPodCredentials, podEnvironment } from "./pod-environment.ts";
import { RunWatch } from "./run-watch.ts";

const WORKLOAD_IDENTITY_CLIENT_ID = "azure.workload.identity/client-id";

export interface KubernetesComputeOptions {
  config: WeftConfig;
  /** The user the run is recorded under (a label of every Job). */
  user: string;
}

/**
 * Runs each attempt as a Kubernetes Job on the cluster of the kubeconfig's context (or
 * the pod's in-cluster config). The pod runs `weft step` with `--recorder task`: it
 * records itself, so the run's records stay true if this runner goes away. What the pod
 * cannot record (it never started, it was killed) the runner records from the outcome.
 */
export class KubernetesCompute implements ComputeBackend {
  readonly kind = "kubernetes";
  readonly recorder = "task" as const;
  private api: KubeApi | undefined;
  private readonly watches = new Map<string, RunWatch>();
  private readonly identities = new Map<string, Promise<boolean>>();

  constructor(private readonly options: KubernetesComputeOptions) {}

  launch(request: AttemptRequest): LaunchedAttempt {
    try {
      return this.launchJob(request);
    } catch (error) {
      return failedLaunch(error as Error);
    }
  }

  /** Stops every watch; attempts still running keep their Jobs. */
  close(): void {
    for (const watch of this.watches.values()) watch.close();
    this.watches.clear();
  }

  private launchJob(request: AttemptRequest): LaunchedAttempt {
    const { config } = this.options;
    const api = (this.api ??= new KubeApi({ kubeconfig: config.values.kubeconfig, context: config.values.kubernetesContext }));
    const options = resolveKubernetesOptions({ decorators: request.decorators, config, version: weftPackage().version, where: `step "${request.args.step}"` });
    const { args } = request;
    const ref = { flow: args.flow, run: args.run, step: args.step, task: args.task };
    const selector = runLabelSelector(ref);
    const key = `${options.namespace}\n${selector}`;
    let watch = this.watches.get(key);
    if (!watch) this.watches.set(key, (watch = new RunWatch(api, options.namespace, selector)));
    const pending = new DeferredAttempt();
    void this.usesWorkloadIdentity(api, options.namespace, options.serviceAccount)
      .then((workloadIdentity) => {
        checkPodCredentials(config, args.step, { workloadIdentity, secrets: options.secrets });
        const job = jobManifest({
          ref,
          attempt: args.attempt,
          argv: taskArgv({ ...args, recorder: "task" }),
          env: podEnvironment(config),
          options,
          ...(request.policy.timeoutSeconds ? { timeoutSeconds: request.policy.timeoutSeconds } : {}),
          workloadIdentity,
          user: this.options.user,
          weftVersion: weftPackage().version,
        });
        const timeout = Number(config.values.kubernetesSchedulingTimeout ?? 600);
        pending.attach(new KubeAttempt({ api, watch, namespace: options.namespace, job, schedulingTimeoutMs: timeout * 1000, request }));
      })
      .catch((error: Error) => pending.attach(failedLaunch(error)));
    return pending;
  }

  /** Whether pods of this service account get workload identity: it carries the client-id annotation. Read once per run. */
  private usesWorkloadIdentity(api: KubeApi, namespace: string, serviceAccount: string | undefined): Promise<boolean> {
    if (!serviceAccount) return Promise.resolve(false);
    const key = `${namespace}/${serviceAccount}`;
    let known = this.identities.get(key);
    if (!known) {
      known = api.readServiceAccount(namespace, serviceAccount).then((account) => {
        if (!account) {
          throw new WeftError("CONFIG", `Service account "${serviceAccount}" does not exist in namespace "${namespace}" of ${api.server}.`, {
            hint: "Create it (docs/kubernetes.md, \"Workload identity\"), or set WEFT_KUBERNETES_SERVICE_ACCOUNT / @kubernetes({ serviceAccount }) to one that exists.",
          });
        }
        return account.metadata?.annotations?.[WORKLOAD_IDENTITY_CLIENT_ID] !== undefined;
      });
      this.identities.set(key, known);
    }
    return known;
  }
}

/**
 * An attempt whose Job is being prepared (a service account read first): `kill()` before
 * it exists is remembered and passed on.
 */
class DeferredAttempt implements LaunchedAttempt {
  readonly pid = undefined;
  readonly combinedOutput = true;
  readonly done: Promise<AttemptOutcome>;
  private inner: LaunchedAttempt | undefined;
  private killed = false;
  private resolve: (outcome: AttemptOutcome) => void = () => {};

  constructor() {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  get handle(): string | undefined {
    return this.inner?.handle;
  }

  attach(inner: LaunchedAttempt): void {
    this.inner = inner;
    void inner.done.then(this.resolve);
    if (this.killed) inner.kill();
  }

  kill(): void {
    this.killed = true;
    this.inner?.kill();
  }
}
