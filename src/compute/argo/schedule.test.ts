import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cronOf, cronProblem, scheduleProblem } from "./schedule.ts";
import { finishedEvent, triggerOnFinishProblem, triggerProblem } from "./sensor.ts";

describe("@schedule", () => {
  test("hourly, daily and weekly are Metaflow's cron expressions", () => {
    assert.equal(cronOf({ hourly: true }), "0 * * * *");
    assert.equal(cronOf({ daily: true }), "0 0 * * *");
    assert.equal(cronOf({ weekly: true }), "0 0 * * 0");
  });

  test("five-field cron expressions with ranges, lists, steps and names are accepted", () => {
    for (const cron of ["30 6 * * 1-5", "*/15 0-23/2 1,15 jan-jun MON", "0 0 * * 7"]) assert.equal(cronProblem(cron), undefined, cron);
  });

  test("a cron expression with the wrong number of fields or an out-of-range value says which", () => {
    assert.match(cronProblem("0 * * *") ?? "", /has 4 fields; it needs five/);
    assert.match(cronProblem("61 * * * *") ?? "", /"61" is not a valid minute/);
    assert.match(cronProblem("0 0 * foo *") ?? "", /"foo" is not a valid month/);
  });

  test("exactly one of cron and the shorthands, and an IANA timezone", () => {
    assert.match(scheduleProblem({}) ?? "", /exactly one of cron, hourly, daily or weekly \(got none\)/);
    assert.match(scheduleProblem({ cron: "0 * * * *", daily: true }) ?? "", /got cron, daily/);
    assert.match(scheduleProblem({ daily: true, timezone: "Mars/Olympus" }) ?? "", /not in the IANA time zone database/);
    assert.equal(scheduleProblem({ daily: true, timezone: "Europe/Paris" }), undefined);
  });
});

describe("@trigger and @triggerOnFinish", () => {
  test("an event's parameter mapping must name a parameter of the flow", () => {
    assert.equal(triggerProblem({ event: { name: "data_ready", parameters: { alpha: "rate" } } }, ["alpha"]), undefined);
    assert.match(triggerProblem({ event: { name: "data_ready", parameters: { beta: "rate" } } }, ["alpha"]) ?? "", /"beta", which is not a parameter of the flow \(its parameters: alpha\)/);
    assert.match(triggerProblem({}, []) ?? "", /name an event/);
    assert.match(triggerProblem({ event: "has space" }, []) ?? "", /must be 1 to 253 letters/);
  });

  test("a flow cannot follow itself, and names a class", () => {
    assert.match(triggerOnFinishProblem({ flow: "TrainFlow" }, "TrainFlow") ?? "", /would start itself/);
    assert.match(triggerOnFinishProblem({ flow: "not-a-flow" }, "TrainFlow") ?? "", /is not a flow name/);
    assert.equal(triggerOnFinishProblem({ flows: ["PrepFlow"] }, "TrainFlow"), undefined);
  });

  test("the event a run publishes on success is scoped to the project branch", () => {
    assert.equal(finishedEvent("PrepFlow"), "weft.run.succeeded.PrepFlow");
    assert.equal(finishedEvent("PrepFlow", { name: "fraud", branch: "prod" }), "weft.run.succeeded.fraud.prod.PrepFlow");
  });
});
