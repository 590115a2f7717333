// Container image references, by the grammar of the distribution project's `reference`
// package (what Docker, containerd and the kubelet parse), and their resolution against
// a configured registry such as an Azure Container Registry.
import { WeftError } from "../../errors/weft-error.ts";

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const REGISTRY = new RegExp(`^${DOMAIN}(?:/${PATH_COMPONENT})*$`);
/** The longest repository name the grammar allows, registry included. */
const MAX_NAME = 255;

export const IMAGE_EXAMPLES = `"myacr.azurecr.io/team/train:1.4", "train:1.4" (with WEFT_KUBERNETES_CONTAINER_REGISTRY) or "python:3.12-slim"`;

/**
 * Whether `image` names its registry: its first path segment has a `.` or a `:`, or is
 * `localhost` — Docker's rule, so `team/train:1` is a path on the default registry
 * while `myacr.azurecr.io/train:1` and `localhost:5000/train` are not.
 */
export function hasRegistry(image: string): boolean {
  const slash = image.indexOf("/");
  if (slash < 0) return false;
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost";
}

/** Why `image` is not a valid image reference, or undefined when it is one. */
export function imageReferenceProblem(image: string): string | undefined {
  if (image !== image.trim() || /\s/.test(image)) return "an image reference has no spaces";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) return "drop the scheme (https://): an image reference starts with the registry host";
  const match = REFERENCE.exec(image);
  if (!match) {
    return "an image reference is [registry/]path[:tag][@digest]: a path of lowercase letters, digits and single '.', '_' or '-' separators, a tag of at most 128 letters, digits, '_', '.' and '-'";
  }
  if (match[1]!.length > MAX_NAME) return `the repository name is longer than ${MAX_NAME} characters`;
  return undefined;
}

/** Why `registry` is not a registry (a host, an optional port and an optional path), or undefined. */
export function registryProblem(registry: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(registry)) return "drop the scheme (https://): give the registry host, e.g. myacr.azurecr.io";
  if (registry.endsWith("/")) return "drop the trailing '/', e.g. myacr.azurecr.io or myacr.azurecr.io/team";
  return REGISTRY.test(registry) ? undefined : "must be a registry host with an optional port and path, e.g. myacr.azurecr.io or myacr.azurecr.io/team";
}

/**
 * The image a pod pulls: a reference with a registry is used as given; a bare one
 * (`train:1.4`, `team/train:1.4`) is put under `registry` when one is configured, and
 * otherwise left to the cluster's default registry (Docker Hub), as Docker would.
 * `source` names where the image came from, for the error.
 */
export function resolveImage(image: string, registry: string | undefined, source: string): string {
  const problem = imageReferenceProblem(image);
  if (problem) {
    throw new WeftError("CONFIG", `Invalid container image "${image}" [${source}]: ${problem}.`, { hint: `Examples: ${IMAGE_EXAMPLES}.` });
  }
  if (hasRegistry(image) || registry === undefined) return image;
  const resolved = `${registry}/${image}`;
  const resolvedProblem = imageReferenceProblem(resolved);
  if (resolvedProblem) {
    throw new WeftError("CONFIG", `Invalid container image "${resolved}" (${image} [${source}] under WEFT_KUBERNETES_CONTAINER_REGISTRY): ${resolvedProblem}.`, {
      hint: `Check WEFT_KUBERNETES_CONTAINER_REGISTRY, e.g. myacr.azurecr.io.`,
    });
  }
  return resolved;
}

/**
 * The runtime image's name at a Weft version, as docs/runtime-image.md publishes it: a
 * bare name, pushed by the user to their own registry (Weft publishes no image of its
 * own), so WEFT_KUBERNETES_CONTAINER_REGISTRY puts it there.
 */
export function runtimeImage(version: string): string {
  return `weft-runtime:${version}`;
}
