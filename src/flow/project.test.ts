import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { projectBranch, projectFlowName, projectFromTags, projectOf, projectTags } from "./project.ts";

describe("@project names", () => {
  test("a user's runs are in branch user.<name>, a named one in test.<branch>, production in prod", () => {
    assert.equal(projectBranch("Alice.Smith@contoso.com", {}), "user.alice_smith_contoso_com");
    assert.equal(projectBranch("alice", { branch: "new_features" }), "test.new_features");
    assert.equal(projectBranch("alice", { production: true }), "prod");
    assert.equal(projectBranch("alice", { production: true, branch: "canary" }), "prod.canary");
  });

  test("the project flow name is <project>.<branch>.<Flow>", () => {
    assert.equal(projectFlowName("fraud", "test.x", "TrainFlow"), "fraud.test.x.TrainFlow");
    assert.deepEqual(projectOf("TrainFlow", { name: "fraud" }, "bob", { production: true }), { name: "fraud", branch: "prod", flowName: "fraud.prod.TrainFlow" });
  });

  test("a branch name outside lowercase letters, digits and _ is refused, naming it", () => {
    assert.throws(() => projectBranch("alice", { branch: "Feature-1" }), /Invalid --branch "Feature-1": a branch name is 1 to 64 lowercase letters, digits and _/);
  });

  test("--branch or --production on a flow without @project is refused; without them it has no project", () => {
    assert.throws(() => projectOf("TrainFlow", undefined, "bob", { branch: "x" }), /--branch needs a flow with @project, and TrainFlow has none/);
    assert.equal(projectOf("TrainFlow", undefined, "bob", {}), undefined);
  });

  test("the project is recorded as system tags and read back from them", () => {
    const project = projectOf("TrainFlow", { name: "fraud" }, "bob", {});
    const tags = projectTags(project);
    assert.deepEqual(tags, ["project:fraud", "project_branch:user.bob"]);
    assert.deepEqual(projectFromTags("TrainFlow", ["user:bob", ...tags]), project);
    assert.equal(projectFromTags("TrainFlow", ["user:bob"]), undefined);
  });
});
