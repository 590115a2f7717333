import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { hasRegistry, imageReferenceProblem, registryProblem, resolveImage } from "./image-reference.ts";

describe("image references", () => {
  test("hasRegistry follows Docker: a first segment with '.', ':' or localhost is a registry", () => {
    for (const image of ["myacr.azurecr.io/train:1.4", "localhost/train", "localhost:5000/team/train", "ghcr.io/org/img@sha256:" + "a".repeat(64)]) assert.equal(hasRegistry(image), true, image);
    for (const image of ["train:1.4", "team/train:1.4", "python", "team/sub/train"]) assert.equal(hasRegistry(image), false, image);
  });

  test("imageReferenceProblem accepts the forms of the reference grammar", () => {
    for (const image of ["python:3.12-slim", "train", "team/train:1.4", "my_org/my-img__x:v1.0_rc", "myacr.azurecr.io:443/a/b:latest", `repo@sha256:${"0".repeat(64)}`, `repo:tag@sha256:${"f".repeat(64)}`, "[::1]:5000/img"]) {
      assert.equal(imageReferenceProblem(image), undefined, image);
    }
  });

  test("imageReferenceProblem refuses uppercase paths, schemes, spaces, bad tags and digests", () => {
    assert.match(imageReferenceProblem("Train:1") ?? "", /lowercase/);
    assert.match(imageReferenceProblem("https://myacr.azurecr.io/train:1") ?? "", /drop the scheme/);
    assert.match(imageReferenceProblem("train 1") ?? "", /no spaces/);
    assert.match(imageReferenceProblem("train:-1") ?? "", /tag/);
    assert.match(imageReferenceProblem("train:" + "x".repeat(129)) ?? "", /tag/);
    assert.match(imageReferenceProblem("train@sha256:abc") ?? "", /digest/);
    assert.match(imageReferenceProblem("a//b") ?? "", /path/);
    assert.match(imageReferenceProblem(`r.io/${"a".repeat(260)}`) ?? "", /longer than 255/);
  });

  test("registryProblem accepts a host with port and path, and says to drop a scheme or trailing slash", () => {
    for (const r of ["myacr.azurecr.io", "myacr.azurecr.io/team", "localhost:5000"]) assert.equal(registryProblem(r), undefined, r);
    assert.match(registryProblem("https://myacr.azurecr.io") ?? "", /drop the scheme/);
    assert.match(registryProblem("myacr.azurecr.io/") ?? "", /trailing/);
    assert.match(registryProblem("my acr") ?? "", /registry host/);
  });
});

describe("resolveImage", () => {
  test("resolveImage uses a full reference as given", () => {
    assert.equal(resolveImage("other.azurecr.io/train:1.4", "myacr.azurecr.io", "test"), "other.azurecr.io/train:1.4");
  });

  test("resolveImage puts a bare name and a team path under the registry", () => {
    assert.equal(resolveImage("train:1.4", "myacr.azurecr.io", "test"), "myacr.azurecr.io/train:1.4");
    assert.equal(resolveImage("team/train:1.4", "myacr.azurecr.io/ml", "test"), "myacr.azurecr.io/ml/team/train:1.4");
  });

  test("resolveImage leaves a bare name to the default registry when none is configured", () => {
    assert.equal(resolveImage("python:3.12", undefined, "test"), "python:3.12");
  });

  test("resolveImage refuses an invalid reference, naming it, its source and examples", () => {
    const error = weftError(() => resolveImage("Train:1.4", "myacr.azurecr.io", "@kubernetes image on step \"fit\""), "CONFIG");
    assert.match(error.message, /^Invalid container image "Train:1\.4" \[@kubernetes image on step "fit"\]: /);
    assert.match(error.hint ?? "", /myacr\.azurecr\.io\/team\/train:1\.4/);
  });
});
