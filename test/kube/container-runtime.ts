// The kubelet's work for one pod: pull the image (from the kubelet's image table),
// set up volumes and the environment, run the container as a local process group, watch
// its memory, and report every step in the pod's status and in events.
//
// Deviation from a real node, the only one: there is no chroot, so a volume is a
// per-pod temp folder, and any env value or argument that starts with a volumeMount's
// mountPath (e.g. AZURE_FEDERATED_TOKEN_FILE=/var/run/secrets/azure/tokens/azure-identity-token,
// or Argo's `--splits-file /weft/outputs/splits.json`) is rewritten to that folder. The process runs in a fresh empty folder (not the image's
// WORKDIR), which is also its HOME unless the image sets one. One container per pod runs
// (the first); restartPolicy OnFailure/Always do not restart it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IContainerState } from "kubernetes-models/v1/ContainerState";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ApiCore } from "./api-core.ts";
import { ContainerConfigError, containerEnv, expand } from "./container-env.ts";
import { ContainerLogBuffer } from "./container-log.ts";
import type { EventRecorder } from "./events.ts";
import type { FakeImage } from "./images.ts";
import { treeRss } from "./process-tree.ts";
import { parseQuantity } from "./quantity.ts";
import { now, type KubeObject } from "./types.ts";
import { MountError, prepareVolumes, type TokenRequest } from "./volumes.ts";

export interface RuntimeOptions {
  images: Record<string, FakeImage>;
  issueToken: (request: TokenRequest) => string | Promise<string>;
  /** Delay between ErrImagePull and ImagePullBackOff. */
  imagePullBackoffMs: number;
  /** How often a container with a memory limit has its RSS read. */
  memoryPollMs: number;
  /** KUBERNETES_SERVICE_HOST/PORT: the fake API server. */
  apiUrl: URL;
  claimsDir: string;
}

type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

/** One pod on the fake node, from image pull to its last status. */
export class PodWorker {
  readonly log = new ContainerLogBuffer();
  process: ChildProcess | undefined;
  /** Waiting on a missing Secret/ConfigMap: retried when one appears. */
  waitingForConfig = false;
  private started = false;
  private finished = false;
  private deleting = false;
  private detached = false;
  private oom = false;
  /** Why the node failed the pod itself (eviction, its activeDeadlineSeconds): the pod's status.reason. */
  private podFailure: { reason: string; message: string } | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly container: IContainer;
  /** Volume name → host folder, once the volumes are set up. */
  private volumes = new Map<string, string>();

  constructor(private pod: IPod, readonly podDir: string, private readonly api: ApiCore, private readonly events: EventRecorder, private readonly options: RuntimeOptions) {
    this.container = pod.spec!.containers[0]!;
  }

  get namespace(): string {
    return this.pod.metadata!.namespace!;
  }

  get name(): string {
    return this.pod.metadata!.name!;
  }

  get containerName(): string {
    return this.container.name;
  }

  /**
   * Where a path of the container's filesystem is on this machine: under one of its
   * volume mounts, else undefined (the rest of an image is not materialised). What
   * Argo's executor reads an output parameter's `valueFrom.path` through.
   */
  hostPathOf(path: string): string | undefined {
    return hostPath(path, this.container, this.volumes);
  }

  /** Pulls the image and starts the container (or stops at the first reason it cannot). */
  async start(): Promise<void> {
    this.setStatus({ waiting: { reason: "ContainerCreating" } }, "Pending", (s) => {
      s.hostIP = "127.0.0.1";
      s.podIP = "127.0.0.1";
      s.podIPs = [{ ip: "127.0.0.1" }];
      s.startTime = now();
    });
    this.armDeadline();
    const ref = this.container.image ?? "";
    this.event("Normal", "Pulling", `Pulling image "${ref}"`);
    const image = this.options.images[ref];
    if (!image) return this.failPull(ref);
    this.event("Normal", "Pulled", `Container image "${ref}" already present on machine`);
    await this.tryStart(image);
  }

  /** Retries a start that waited for configuration. */
  async retry(): Promise<void> {
    if (!this.waitingForConfig || this.deleting) return;
    this.waitingForConfig = false;
    await this.tryStart(this.options.images[this.container.image ?? ""]!);
  }

  /** Graceful stop for a pod being deleted: SIGTERM, SIGKILL after the grace period, then the final delete. */
  terminate(graceSeconds: number): void {
    if (this.deleting) return;
    this.deleting = true;
    this.clearTimers();
    if (this.process && !this.finished) {
      this.event("Normal", "Killing", `Stopping container ${this.container.name}`);
      this.signal("SIGTERM");
      this.timers.push(setTimeout(() => this.signal("SIGKILL"), graceSeconds * 1000));
    } else this.finalDelete();
  }

  /** The node evicts the pod: the process is killed and the pod fails with reason Evicted. */
  evict(message: string): void {
    this.event("Warning", "Evicted", message);
    this.failPod("Evicted", message);
  }

  /** As the kubelet enforces a pod's activeDeadlineSeconds: counted from the pod's start on the node, image pull included. */
  private armDeadline(): void {
    const seconds = this.pod.spec?.activeDeadlineSeconds;
    if (!seconds) return;
    this.timers.push(
      setTimeout(() => {
        const message = "Pod was active on the node longer than the specified deadline";
        this.event("Normal", "DeadlineExceeded", message);
        this.failPod("DeadlineExceeded", message);
      }, seconds * 1000),
    );
  }

  /** Kills the container and fails the pod with `reason` in its status. */
  private failPod(reason: string, message: string): void {
    this.podFailure = { reason, message };
    this.clearTimers();
    if (this.process && !this.finished) return this.signal("SIGKILL");
    this.finished = true;
    this.log.end();
    this.setStatus({ terminated: { exitCode: 137, reason: "Error", startedAt: now(), finishedAt: now() } }, "Failed", (s) => Object.assign(s, this.podFailure));
  }

  /** Kills everything at once and reports nothing more (the pod is gone, or the kubelet stops). */
  kill(): void {
    this.deleting = true;
    this.detached = true;
    this.clearTimers();
    this.signal("SIGKILL");
  }

  private failPull(ref: string): void {
    const message = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
    this.event("Warning", "Failed", `Failed to pull image "${ref}": ${message}`);
    this.event("Warning", "Failed", "Error: ErrImagePull");
    this.setStatus({ waiting: { reason: "ErrImagePull", message } }, "Pending");
    this.timers.push(setTimeout(() => {
      if (this.deleting) return;
      this.event("Normal", "BackOff", `Back-off pulling image "${ref}"`);
      this.event("Warning", "Failed", "Error: ImagePullBackOff");
      this.setStatus({ waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${ref}"` } }, "Pending");
    }, this.options.imagePullBackoffMs));
  }

  private async tryStart(image: FakeImage): Promise<void> {
    const workDir = join(this.podDir, "work");
    mkdirSync(workDir, { recursive: true });
    let env: Record<string, string>;
    try {
      this.pod = this.api.store.get<IPod>("pods", this.namespace, this.name) ?? this.pod;
      const volumes = await prepareVolumes({ api: this.api, pod: this.pod, podDir: this.podDir, claimsDir: this.options.claimsDir, issueToken: this.options.issueToken });
      const port = this.options.apiUrl.port;
      const runtime = { HOSTNAME: this.name, KUBERNETES_SERVICE_HOST: this.options.apiUrl.hostname, KUBERNETES_SERVICE_PORT: port, KUBERNETES_PORT: `tcp://${this.options.apiUrl.hostname}:${port}`, HOME: image.env?.HOME ?? workDir };
      this.volumes = volumes;
      const all = containerEnv({ api: this.api, pod: this.pod, container: this.container, image, runtime });
      env = Object.fromEntries(Object.entries(all).map(([name, value]) => [name, hostPath(value, this.container, volumes) ?? value]));
    } catch (error) {
      if (!(error instanceof MountError || error instanceof ContainerConfigError)) throw error;
      this.waitingForConfig = true;
      if (error instanceof MountError) this.event("Warning", "FailedMount", error.message);
      else {
        this.event("Warning", "Failed", `Error: ${error.message}`);
        this.setStatus({ waiting: { reason: "CreateContainerConfigError", message: error.message } }, "Pending");
      }
      return;
    }
    if (this.deleting) return this.finalDelete();
    const argv = [...(this.container.command ?? image.entrypoint ?? []), ...(this.container.args ?? (this.container.command ? [] : image.cmd ?? []))].map((a) => expand(a, env)).map((a) => hostPath(a, this.container, this.volumes) ?? a);
    const executable = argv[0] && resolveExecutable(argv[0], image.path);
    if (!executable) {
      const message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${argv[0] ?? ""}": executable file not found in $PATH: unknown`;
      this.event("Warning", "Failed", `Error: ${message}`);
      return this.finish({ terminated: { exitCode: 128, reason: "StartError", message, startedAt: "1970-01-01T00:00:00Z", finishedAt: now() } });
    }
    this.event("Normal", "Created", `Created container: ${this.container.name}`);
    const child = spawn(executable, argv.slice(1), { cwd: workDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.process = child;
    const startedAt = now();
    child.stdout.setEncoding("utf8").on("data", (d: string) => this.log.append(d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => this.log.append(d));
    child.on("error", (error) => this.finish({ terminated: { exitCode: 128, reason: "StartError", message: error.message, startedAt, finishedAt: now() } }));
    child.on("close", (code, signal) => {
      const exitCode = code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : 1);
      const reason = this.oom ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error";
      this.finish({ terminated: { exitCode: this.oom ? 137 : exitCode, reason, startedAt, finishedAt: now() } });
    });
    this.started = true;
    this.event("Normal", "Started", `Started container ${this.container.name}`);
    this.setStatus({ running: { startedAt } }, "Running");
    this.watchMemory(child);
  }

  private watchMemory(child: ChildProcess): void {
    const limit = this.container.resources?.limits?.memory;
    if (limit === undefined || child.pid === undefined) return;
    const bytes = parseQuantity(limit as string);
    const timer = setInterval(() => {
      if (this.finished) return clearInterval(timer);
      if (treeRss(child.pid!) > bytes) {
        this.oom = true;
        clearInterval(timer);
        this.signal("SIGKILL");
      }
    }, this.options.memoryPollMs);
    this.timers.push(timer);
  }

  private finish(state: IContainerState): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    this.log.end();
    if (this.detached) return;
    const failed = (state.terminated?.exitCode ?? 1) !== 0 || this.podFailure !== undefined;
    this.setStatus(state, failed ? "Failed" : "Succeeded", (s) => {
      if (this.podFailure !== undefined) Object.assign(s, this.podFailure);
    });
    if (this.deleting) this.finalDelete();
  }

  /** The kubelet's last word on a deleted pod: delete it with grace 0 so that it leaves the store. */
  private finalDelete(): void {
    try {
      this.api.delete(this.api.kind("pods"), this.namespace, this.name, { gracePeriodSeconds: 0 });
    } catch {
      // Already gone.
    }
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.process?.pid;
    if (pid === undefined || this.process?.exitCode !== null || this.process.signalCode !== null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private event(type: "Normal" | "Warning", reason: string, message: string): void {
    const pod = this.api.store.get<KubeObject>("pods", this.namespace, this.name) ?? (this.pod as unknown as KubeObject);
    this.events.record({ component: "kubelet", host: this.pod.spec?.nodeName ?? "" }, pod, type, reason, message, `spec.containers{${this.container.name}}`);
  }

  private setStatus(state: IContainerState, phase: Phase, extra?: (status: NonNullable<IPod["status"]>) => void): void {
    const ready = state.running !== undefined;
    const time = now();
    try {
      this.api.mutate(this.api.kind("pods"), this.namespace, this.name, (o) => {
        const status = (o.status ?? {}) as NonNullable<IPod["status"]>;
        status.phase = phase;
        const scheduled = status.conditions?.find((c) => c.type === "PodScheduled");
        const terminal = phase === "Succeeded" || phase === "Failed";
        const reason = terminal ? "PodCompleted" : ready ? undefined : "ContainersNotReady";
        const condition = (type: string, value: boolean) => ({ type, status: value ? "True" : "False", lastTransitionTime: time, lastProbeTime: null as unknown as string, ...(value ? {} : { reason }) });
        status.conditions = [condition("PodReadyToStartContainers", true), condition("Initialized", true), condition("Ready", ready), condition("ContainersReady", ready), ...(scheduled ? [scheduled] : [])];
        status.containerStatuses = [{
          name: this.container.name, image: this.container.image ?? "", imageID: this.started ? `${this.container.image}@sha256:${"0".repeat(64)}` : "",
          ...(this.started ? { containerID: `containerd://${randomBytes(32).toString("hex")}` } : {}),
          ready, started: ready, restartCount: 0, state, lastState: {},
        }];
        extra?.(status);
        o.status = status;
      }, "status");
    } catch {
      // The pod is gone; nothing to report on.
    }
  }
}

function resolveExecutable(command: string, path: string[]): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes("/")) return executable(command) ? command : undefined;
  return path.map((dir) => join(dir, command)).find(executable);
}

/** A value under a mount's mountPath, pointed into the volume's folder (the no-chroot deviation); undefined when it is under none. */
function hostPath(value: string, container: IContainer, volumes: Map<string, string>): string | undefined {
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const mount = mounts.find((m) => value === m.mountPath || value.startsWith(`${m.mountPath.replace(/\/$/, "")}/`));
  const dir = mount && volumes.get(mount.name);
  return mount && dir ? join(dir, mount.subPath ?? "", value.slice(mount.mountPath.length)) : undefined;
}
