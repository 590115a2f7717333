import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { weftError } from "../../test/helpers/weft-error.ts";
import { FinishBody, FlowParams, CreateRunBody } from "../service/api/schemas.ts";
import { checkArtifactName, checkName, checkUserName, isValidName, MAX_USER_LENGTH, userNameProblem } from "./names.ts";

describe("names", () => {
  it("flow and step names are ASCII identifiers of at most 255 characters, as the service takes them", () => {
    for (const ok of ["TrainFlow", "_x", "train-2", `F${"x".repeat(254)}`]) {
      assert.equal(isValidName(ok), true, ok);
      assert.equal(FlowParams.safeParse({ flow: ok }).success, true, ok);
    }
    for (const bad of ["Flüsse", "$step", "1st", "", `F${"x".repeat(255)}`, "a/b", ".."]) {
      assert.equal(isValidName(bad), false, bad);
      assert.equal(FlowParams.safeParse({ flow: bad }).success, false, bad);
    }
    assert.match(weftError(() => checkName("flow", "Flüsse"), "USAGE").message, /^Invalid flow name "Flüsse": a flow name is 1 to 255 ASCII letters, digits, _ or -, starting with a letter or _/);
  });

  it("a user name has no control characters and leaves room for its user: tag, locally and in the service alike", () => {
    assert.equal(MAX_USER_LENGTH, 251);
    const run = (user: string) => CreateRunBody.safeParse({ user, tags: [], systemTags: [`user:${user}`] }).success;
    for (const ok of ["alice", "alice@contoso.com", "josé", "x".repeat(251)]) {
      assert.equal(userNameProblem(ok), undefined, ok);
      assert.equal(run(ok), true, ok);
    }
    for (const bad of ["", "a\tb", "line\nbreak", "x".repeat(252)]) {
      assert.notEqual(userNameProblem(bad), undefined, JSON.stringify(bad));
      assert.equal(run(bad), false, JSON.stringify(bad));
    }
    const error = weftError(() => checkUserName("a\u0007b"), "CONFIG");
    assert.match(error.message, /^Invalid user name "a\\u0007b" \[WEFT_USER\]: it contains the control character U\+0007\. A user name is 1 to 251 characters without control characters/);
  });

  it("an artifact name has at most 255 characters, which the service's schema also takes", () => {
    const finish = (name: string) =>
      FinishBody.safeParse({ attempt: 0, startedAt: "2026-01-01T00:00:00.000Z", artifacts: [{ name, sha: "0".repeat(64), type: "json", size: 1, location: "x" }] }).success;
    checkArtifactName("x".repeat(255));
    assert.equal(finish("x".repeat(255)), true);
    assert.equal(finish("x".repeat(256)), false);
    const error = weftError(() => checkArtifactName("x".repeat(256)), "ARTIFACT_UNSERIALIZABLE");
    assert.match(error.message, /\(256 characters\) cannot be saved: an artifact name has at most 255 characters\./);
  });
});
