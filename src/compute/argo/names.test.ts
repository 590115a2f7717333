import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dnsSubdomainProblem, labelValueProblem } from "../kubernetes/names.ts";
import { argoRunId, deploymentName, MAX_DEPLOYMENT_NAME, stepTaskName, stepTemplateName } from "./names.ts";

describe("Argo names", () => {
  test("a flow's deployment is its name in lowercase, and its runs are argo-<workflow>", () => {
    assert.equal(deploymentName("IrisFlow"), "irisflow");
    assert.equal(argoRunId("irisflow-x7k2p"), "argo-irisflow-x7k2p");
  });

  test("with @project two users' and branches' deployments never share a name", () => {
    const names = [
      deploymentName("IrisFlow", { name: "fraud", branch: "user.ana" }),
      deploymentName("IrisFlow", { name: "fraud", branch: "user.bob" }),
      deploymentName("IrisFlow", { name: "fraud", branch: "test.new_features" }),
      deploymentName("IrisFlow", { name: "fraud", branch: "prod" }),
    ];
    assert.equal(new Set(names).size, 4);
    assert.match(names[3]!, /^fraud-prod-irisflow-[0-9a-f]{8}$/);
  });

  test("any flow name gives a valid name short enough for a workflow's generateName, the same every time", () => {
    for (const flow of ["X", "Flow_With_Underscores", "A".repeat(200), "Ünïcode$Flow"]) {
      const name = deploymentName(flow, { name: "p", branch: "user.someone_with_a_very_long_name_indeed" });
      assert.equal(dnsSubdomainProblem(name), undefined, name);
      assert.ok(name.length <= MAX_DEPLOYMENT_NAME, name);
      assert.equal(labelValueProblem(`${name}-abcde`), undefined);
      assert.equal(deploymentName(flow, { name: "p", branch: "user.someone_with_a_very_long_name_indeed" }), name);
    }
  });

  test("step names with characters Argo refuses get a hashed name apart from Weft's own templates", () => {
    assert.equal(stepTaskName("fit"), "fit");
    assert.match(stepTaskName("create_run"), /^create-run-[0-9a-f]{6}$/);
    assert.notEqual(stepTaskName("a_b"), stepTaskName("a$b"));
  });

  test("a step's container template is lowercase, as the pod name Argo derives from it must be", () => {
    assert.equal(stepTemplateName("fit"), "step-fit");
    assert.match(stepTemplateName("joinInner"), /^step-joininner-[0-9a-f]{6}$/);
    assert.notEqual(stepTemplateName("fit"), stepTemplateName("Fit"));
    for (const step of ["joinInner", "Fit", "a_B", "x$Y"]) assert.equal(dnsSubdomainProblem(`irisflow-x7k2p-${stepTemplateName(step)}-1234567890`), undefined, step);
  });
});
