import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { CLASS_DECORATOR_SCHEMAS, STEP_DECORATOR_NAMES, parseWithOption, validateStepDecorator } from "./specs.ts";


describe("validateStepDecorator", () => {
  test("validateStepDecorator fills retry defaults: 3 times, no wait", () => {
    assert.deepEqual(validateStepDecorator({ name: "retry", options: {} }, "step train"), { retry: { times: 3, minutesBetweenRetries: 0 } });
  });

  test("validateStepDecorator keeps given options and fills the rest", () => {
    assert.deepEqual(validateStepDecorator({ name: "retry", options: { times: 0 } }, "step train"), { retry: { times: 0, minutesBetweenRetries: 0 } });
    assert.deepEqual(validateStepDecorator({ name: "catchError", options: { var: "failure" } }, "step train"), {
      catchError: { var: "failure", printException: true },
    });
    assert.deepEqual(validateStepDecorator({ name: "card", options: {} }, "step train"), { card: [{ type: "default", refreshInterval: 5 }] });
  });

  test("@card refuses an unknown type, an id that is not an identifier, and an id current.card keeps", () => {
    assert.match(weftError(() => validateStepDecorator({ name: "card", options: { type: "fancy" } }, "step train"), "FLOW_INVALID").message, /option "type" of @card .*"default" .*"blank"/);
    assert.match(weftError(() => validateStepDecorator({ name: "card", options: { id: "my report" } }, "step train"), "FLOW_INVALID").message, /option "id" of @card .*identifier/);
    assert.match(weftError(() => validateStepDecorator({ name: "card", options: { id: "refresh" } }, "step train"), "FLOW_INVALID").message, /must not be one of append, extend, clear, refresh/);
  });

  test("validateStepDecorator rejects an unknown option and names it", () => {
    const err = weftError(() => validateStepDecorator({ name: "retry", options: { tims: 3 } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /^Invalid options of @retry on step train: .*"tims"/);
    assert.equal(err.hint, 'Check @retry({"tims":3}).');
  });

  test("validateStepDecorator names the option whose value has the wrong type", () => {
    const err = weftError(() => validateStepDecorator({ name: "resources", options: { cpu: "2" } }, "step fit"), "FLOW_INVALID");
    assert.match(err.message, /^Invalid option "cpu" of @resources on step fit: /);
  });

  test("validateStepDecorator rejects a negative retry count", () => {
    const err = weftError(() => validateStepDecorator({ name: "retry", options: { times: -1 } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /option "times"/);
  });

  test("validateStepDecorator requires a timeout greater than 0", () => {
    for (const options of [{}, { seconds: 0, minutes: 0 }]) {
      const err = weftError(() => validateStepDecorator({ name: "timeout", options }, "step train"), "FLOW_INVALID");
      assert.match(err.message, /@timeout on step train: give seconds, minutes or hours greater than 0/);
    }
    assert.deepEqual(validateStepDecorator({ name: "timeout", options: { minutes: 5 } }, "step train"), { timeout: { seconds: 0, minutes: 5, hours: 0 } });
  });

  test("validateStepDecorator rejects a negative timeout field by name", () => {
    const err = weftError(() => validateStepDecorator({ name: "timeout", options: { seconds: -1, hours: 1 } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /option "seconds"/);
  });

  test("validateStepDecorator rejects a catchError var that is not an identifier", () => {
    const err = weftError(() => validateStepDecorator({ name: "catchError", options: { var: "1bad" } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /option "var" .*must be an identifier/);
  });

  test("validateStepDecorator requires at least one secrets source", () => {
    const err = weftError(() => validateStepDecorator({ name: "secrets", options: { sources: [] } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /option "sources"/);
    assert.deepEqual(validateStepDecorator({ name: "secrets", options: { sources: ["db-password"] } }, "step train"), {
      secrets: { sources: ["db-password"], allowOverride: false },
    });
  });

  test("validateStepDecorator names a nested option by its path", () => {
    const err = weftError(() => validateStepDecorator({ name: "environment", options: { vars: { A: 1 } } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /option "vars\.A"/);
  });

  test("validateStepDecorator rejects an unknown decorator and lists the known ones", () => {
    const err = weftError(() => validateStepDecorator({ name: "retyr", options: {} }, "--with"), "FLOW_INVALID");
    assert.equal(err.message, 'Unknown decorator "retyr" on --with.');
    assert.equal(err.hint, "Known step decorators: retry, catchError, timeout, resources, environment, secrets, kubernetes, card.");
    assert.match(err.describe(), /retyr[\s\S]*retry, catchError/);
  });

  test("validateStepDecorator rejects a name inherited from Object.prototype as unknown", () => {
    for (const name of ["constructor", "toString", "hasOwnProperty"]) {
      const err = weftError(() => validateStepDecorator({ name, options: {} }, "--with"), "FLOW_INVALID");
      assert.equal(err.message, `Unknown decorator "${name}" on --with.`);
    }
  });

  test("STEP_DECORATOR_NAMES lists the step decorators of the spec", () => {
    assert.deepEqual(STEP_DECORATOR_NAMES, ["retry", "catchError", "timeout", "resources", "environment", "secrets", "kubernetes", "card"]);
  });
});

describe("class decorator schemas", () => {
  test("the project schema accepts lowercase names and rejects others", () => {
    assert.deepEqual(CLASS_DECORATOR_SCHEMAS.project.parse({ name: "fraud_2" }), { name: "fraud_2" });
    assert.equal(CLASS_DECORATOR_SCHEMAS.project.safeParse({ name: "Fraud" }).success, false);
  });

  test("the schedule schema takes cron or a shorthand with a timezone, and refuses unknown options", () => {
    assert.equal(CLASS_DECORATOR_SCHEMAS.schedule.safeParse({ cron: "0 * * * *", timezone: "UTC" }).success, true);
    assert.equal(CLASS_DECORATOR_SCHEMAS.schedule.safeParse({ daily: true }).success, true);
    assert.equal(CLASS_DECORATOR_SCHEMAS.schedule.safeParse({ every: "day" }).success, false);
  });
});

describe("parseWithOption", () => {
  test("parseWithOption reads numbers as numbers", () => {
    assert.deepEqual(parseWithOption("retry:times=3,minutesBetweenRetries=1"), { name: "retry", options: { times: 3, minutesBetweenRetries: 1 } });
  });

  test("parseWithOption reads true and false as booleans and other text as strings", () => {
    assert.deepEqual(parseWithOption("catchError:var=failure,printException=false"), { name: "catchError", options: { var: "failure", printException: false } });
    assert.deepEqual(parseWithOption("secrets:allowOverride=true"), { name: "secrets", options: { allowOverride: true } });
  });

  test("parseWithOption keeps a value with colons whole, as a string", () => {
    assert.deepEqual(parseWithOption("kubernetes:image=myacr.azurecr.io/train:1.2"), { name: "kubernetes", options: { image: "myacr.azurecr.io/train:1.2" } });
  });

  test("parseWithOption reads a bare decorator name with no options", () => {
    assert.deepEqual(parseWithOption("kubernetes"), { name: "kubernetes", options: {} });
  });

  test("parseWithOption reads JSON values", () => {
    assert.deepEqual(parseWithOption('kubernetes:secrets=["s1"]'), { name: "kubernetes", options: { secrets: ["s1"] } });
    assert.deepEqual(parseWithOption('environment:vars={"A":"1"}'), { name: "environment", options: { vars: { A: "1" } } });
  });

  test("parseWithOption reads a JSON value that contains commas", () => {
    assert.deepEqual(parseWithOption('kubernetes:secrets=["s1","s2"],cpu=2'), { name: "kubernetes", options: { secrets: ["s1", "s2"], cpu: 2 } });
  });

  test("parseWithOption output validates against the decorator's schema", () => {
    assert.deepEqual(validateStepDecorator(parseWithOption("retry:times=5"), "--with"), { retry: { times: 5, minutesBetweenRetries: 0 } });
  });

  test("parseWithOption rejects a malformed decorator name as USAGE", () => {
    for (const text of ["", "retry-2:times=1", ":times=1"]) {
      const err = weftError(() => parseWithOption(text), "USAGE");
      assert.match(err.message, /expected NAME or NAME:key=value,key=value, e\.g\. "retry:times=3"/);
      assert.equal(err.exitCode, 2);
    }
  });

  test("parseWithOption keeps trailing commas in the value, for the schema to reject", () => {
    const use = parseWithOption("retry:times=3,,");
    assert.deepEqual(use.options, { times: "3,," });
    assert.throws(() => validateStepDecorator(use, "step start", "USAGE"), (e: unknown) => e instanceof WeftError && e.code === "USAGE" && /times/.test(e.message));
  });

  test("parseWithOption rejects an option that is not key=value as USAGE and quotes it", () => {
    for (const [text, pair] of [
      ["retry:times", "times"],
      ["retry:=3", "=3"],
    ] as const) {
      const err = weftError(() => parseWithOption(text), "USAGE");
      assert.equal(err.message, `Invalid --with "${text}": "${pair}" is not key=value.`);
      assert.match(err.hint ?? "", /--with retry:times=3,minutesBetweenRetries=1/);
    }
  });
});

describe("decorator ranges that Node's timers can keep", () => {
  test("validateStepDecorator refuses a timeout over 24 days and gives the maximum", () => {
    for (const options of [{ hours: 600 }, { seconds: 1e10 }, { minutes: 20_000, hours: 300 }]) {
      const err = weftError(() => validateStepDecorator({ name: "timeout", options }, "step train"), "FLOW_INVALID");
      assert.match(err.message, /@timeout on step train: the timeout must be at most 24 days in all \(576 hours, 2073600 seconds\)/);
    }
    assert.deepEqual(validateStepDecorator({ name: "timeout", options: { hours: 576 } }, "step train"), { timeout: { seconds: 0, minutes: 0, hours: 576 } });
  });

  test("validateStepDecorator refuses an infinite timeout", () => {
    const err = weftError(() => validateStepDecorator({ name: "timeout", options: { seconds: Infinity } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /option "seconds"|at most 24 days/);
  });

  test("validateStepDecorator refuses a retry delay over 24 days and gives the maximum", () => {
    const err = weftError(() => validateStepDecorator({ name: "retry", options: { minutesBetweenRetries: 40_000 } }, "step train"), "FLOW_INVALID");
    assert.match(err.message, /option "minutesBetweenRetries" of @retry on step train: must be at most 34560 \(24 days\)/);
    const cli = weftError(() => validateStepDecorator(parseWithOption("retry:minutesBetweenRetries=1e9"), "--with", "USAGE"), "USAGE");
    assert.match(cli.message, /at most 34560/);
  });
});

describe("@kubernetes options", () => {
  test("--with kubernetes:cpu=2,nodeSelector={…} parses through the same schema as the decorator", () => {
    const use = parseWithOption('kubernetes:cpu=2,nodeSelector={"pool":"gpu"},tolerations=[{"key":"sku","operator":"Exists"}]');
    assert.deepEqual(validateStepDecorator(use, "--with", "USAGE"), { kubernetes: { cpu: 2, nodeSelector: { pool: "gpu" }, tolerations: [{ key: "sku", operator: "Exists" }] } });
  });

  test("@kubernetes refuses invalid Kubernetes names and shapes, naming the option", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ namespace: "ML" }, /option "namespace" .*"ML" must be at most 63 lowercase letters/],
      [{ labels: { team: "a b" } }, /option "labels\.team" .*must be empty, or at most 63 letters/],
      [{ labels: { "weft/flow": "x" } }, /label "weft\/flow" is set by Weft/],
      [{ annotations: { "bad key": "x" } }, /option "annotations\.bad key" .*optional DNS subdomain prefix/],
      [{ tolerations: [{ key: "a", operator: "Exists", value: "b" }] }, /operator "Exists" has no value/],
      [{ tolerations: [{ key: "a", effect: "NoSchedule", tolerationSeconds: 5 }] }, /tolerationSeconds applies only with effect "NoExecute"/],
      [{ tolerations: [{ key: "a", effect: "Sometimes" }] }, /"NoSchedule", "PreferNoSchedule" or "NoExecute"/],
      [{ gpuVendor: "intel" }, /must be "nvidia" or "amd"/],
      [{ image: "Train" }, /option "image" .*lowercase/],
      [{ persistentVolumeClaims: { a: "/x", b: "/x" } }, /two claims are mounted at \/x/],
      [{ podSpecPatch: { restartPolicy: "Always" } }, /"restartPolicy" cannot be patched/],
      [{ ttlSecondsAfterFinished: 0 }, /at least 60/],
      [{ cpus: 2 }, /"cpus"/],
    ];
    for (const [options, expected] of cases) {
      const err = weftError(() => validateStepDecorator({ name: "kubernetes", options }, "step fit"), "FLOW_INVALID");
      assert.match(err.message, expected, JSON.stringify(options));
    }
  });
});
