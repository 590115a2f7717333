import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dnsLabelProblem, jobName, labelValue, labelValueProblem, qualifiedKeyProblem } from "./names.ts";

const HOSTILE = [
  "TrainFlow",
  "F".repeat(200),
  "Flöw_训练",
  "a.b.c",
  "-leading-and-trailing-",
  "argo-train-x7k2p",
  "<run>",
  "...",
  "",
  "x".repeat(63),
  "x".repeat(64),
];

describe("labelValue", () => {
  test("labelValue keeps a name that is already a valid label value", () => {
    for (const name of ["TrainFlow", "argo-train-x7k2p", "a.b.c", "12", "x".repeat(63), ""]) assert.equal(labelValue(name), name);
  });

  test("labelValue gives a valid label value for any name", () => {
    for (const name of HOSTILE) assert.equal(labelValueProblem(labelValue(name)), undefined, `${JSON.stringify(name)} → ${labelValue(name)}`);
  });

  test("labelValue adds a hash when it changes a name, so changed names do not collide", () => {
    assert.match(labelValue("Flöw"), /^Fl-w-[0-9a-f]{10}$/);
    assert.notEqual(labelValue("Flöw"), labelValue("Fläw"));
    assert.notEqual(labelValue(`${"F".repeat(200)}a`), labelValue(`${"F".repeat(200)}b`));
    assert.match(labelValue("训练"), /^[0-9a-f]{10}$/);
  });

  test("labelValue is deterministic", () => {
    assert.equal(labelValue("F".repeat(200)), labelValue("F".repeat(200)));
  });
});

describe("jobName", () => {
  const ref = { flow: "TrainFlow", run: "12", step: "fit", task: "3" };

  test("jobName is readable, lowercase, and ends with the attempt and a hash", () => {
    assert.match(jobName(ref, 0), /^trainflow-12-fit-3-a0-[0-9a-f]{10}$/);
  });

  test("jobName is a DNS-1123 label of at most 63 characters for hostile names", () => {
    for (const flow of HOSTILE) {
      for (const run of ["argo-train-x7k2p", "<run>", "R".repeat(100)]) {
        const name = jobName({ flow, run, step: "Fit_Model", task: "12-3" }, 999_999);
        assert.equal(dnsLabelProblem(name), undefined, name);
      }
    }
  });

  test("jobName differs for each attempt and each task, even when readable parts are cut", () => {
    const long = { ...ref, flow: "F".repeat(200) };
    const names = new Set([jobName(ref, 0), jobName(ref, 1), jobName({ ...ref, task: "4" }, 0), jobName(long, 0), jobName({ ...long, step: "fit2" }, 0)]);
    assert.equal(names.size, 5);
    assert.notEqual(jobName({ ...ref, flow: "A-B", step: "c" }, 0), jobName({ ...ref, flow: "A", step: "B-c" }, 0));
  });

  test("jobName is the same for the same attempt", () => {
    assert.equal(jobName(ref, 2), jobName({ ...ref }, 2));
  });
});

describe("qualifiedKeyProblem", () => {
  test("qualifiedKeyProblem accepts plain and prefixed keys", () => {
    for (const key of ["team", "app.kubernetes.io/part-of", "example.com/cost_center", "a"]) assert.equal(qualifiedKeyProblem(key), undefined, key);
  });

  test("qualifiedKeyProblem refuses empty names, bad prefixes and long names", () => {
    for (const key of ["", "/x", "Example.com/x", "a/b/c", "-team", "x".repeat(64), "ex ample.com/x"]) assert.match(qualifiedKeyProblem(key) ?? "", /optional DNS subdomain prefix/, key);
  });
});
