import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WeftError } from "../../errors/weft-error.ts";
import { registerSerializer, serializerFor, serializerNamed, type ArtifactSerializer } from "./registry.ts";
import { describeType, findUncloneable, structuredCloneSerializer } from "./structured-clone.ts";

const roundTrip = (value: unknown) => structuredCloneSerializer.deserialize(structuredCloneSerializer.serialize(value, "value"));

class Foo {
  constructor(readonly weight = 1) {}
  predict(): number {
    return this.weight;
  }
}

function rejects(value: unknown, artifact: string, path: string, type: string): void {
  assert.throws(
    () => structuredCloneSerializer.serialize(value, artifact),
    (err: unknown) => {
      assert.ok(err instanceof WeftError, `expected a WeftError, got ${err}`);
      assert.equal(err.code, "ARTIFACT_UNSERIALIZABLE");
      assert.ok(err.message.includes(`"${artifact}"`), `message does not name the artifact: ${err.message}`);
      assert.ok(err.message.includes(`${path} `), `message does not name the path ${path}: ${err.message}`);
      assert.ok(err.message.includes(type), `message does not name the type ${type}: ${err.message}`);
      return true;
    },
  );
}

describe("structuredCloneSerializer", () => {
  it("is named v8 and claims every value", () => {
    assert.equal(structuredCloneSerializer.name, "v8");
    assert.equal(structuredCloneSerializer.canSerialize(new Map()), true);
    assert.equal(serializerNamed("v8"), structuredCloneSerializer);
  });

  describe("round-trips", () => {
    it("a Map with object keys, keeping insertion order", () => {
      const value = new Map<unknown, unknown>([["b", 2], ["a", { nested: [1, 2] }], [{ k: 1 }, "object key"]]);
      const back = roundTrip(value) as Map<unknown, unknown>;
      assert.ok(back instanceof Map);
      assert.deepEqual(back, value);
      assert.deepEqual([...back.keys()].slice(0, 2), ["b", "a"]);
    });

    it("a Set", () => {
      const back = roundTrip(new Set([3, "x", 1]));
      assert.ok(back instanceof Set);
      assert.deepEqual([...(back as Set<unknown>)], [3, "x", 1]);
    });

    it("a Date to the millisecond", () => {
      const back = roundTrip(new Date("2024-02-29T12:34:56.789Z"));
      assert.ok(back instanceof Date);
      assert.equal((back as Date).toISOString(), "2024-02-29T12:34:56.789Z");
    });

    it("a RegExp with its flags", () => {
      const back = roundTrip(/^we+ft$/gimsu);
      assert.ok(back instanceof RegExp);
      assert.equal((back as RegExp).source, "^we+ft$");
      assert.equal((back as RegExp).flags, "gimsu");
    });

    it("a BigInt beyond 2^64", () => {
      assert.equal(roundTrip(2n ** 70n + 1n), 1180591620717411303425n);
      assert.equal(roundTrip(-5n), -5n);
    });

    it("a Buffer, which comes back as a Buffer", () => {
      const back = roundTrip(Buffer.from([0, 1, 254, 255]));
      assert.ok(Buffer.isBuffer(back), `came back as ${(back as object).constructor.name}`);
      assert.deepEqual([...(back as Buffer)], [0, 1, 254, 255]);
    });

    it("typed arrays, each as its own type", () => {
      const value = {
        f64: new Float64Array([1.5, -0, Number.NaN, Infinity]),
        f32: new Float32Array([0.25]),
        i32: new Int32Array([-1, 2 ** 31 - 1]),
        u8: new Uint8Array([9, 8]),
        u8c: new Uint8ClampedArray([255]),
        b64: new BigInt64Array([-(2n ** 63n)]),
      };
      const back = roundTrip(value) as typeof value;
      assert.ok(back.f64 instanceof Float64Array);
      assert.ok(Object.is(back.f64[1], -0));
      assert.ok(Number.isNaN(back.f64[2]));
      assert.equal(back.f64[3], Infinity);
      assert.ok(back.f32 instanceof Float32Array);
      assert.deepEqual([...back.i32], [-1, 2 ** 31 - 1]);
      assert.ok(back.i32 instanceof Int32Array);
      assert.equal(back.u8.constructor, Uint8Array);
      assert.ok(back.u8c instanceof Uint8ClampedArray);
      assert.deepEqual([...back.b64], [-(2n ** 63n)]);
    });

    it("a typed array that views part of a larger buffer, as only its part", () => {
      const whole = new Float64Array([1, 2, 3, 4, 5]);
      const back = roundTrip(whole.subarray(1, 3)) as Float64Array;
      assert.deepEqual([...back], [2, 3]);
    });

    it("nested mixes of maps, sets, arrays, dates and plain objects", () => {
      const value = {
        runs: [new Map([["k", new Set([1n, 2n])]]), new Date(0)],
        meta: { pattern: /x/g, empty: {}, none: null, list: [undefined, "s", 1.25] },
      };
      assert.deepEqual(roundTrip(value), value);
    });

    it("an object that refers to itself", () => {
      const value: { name: string; self?: unknown; list: unknown[] } = { name: "loop", list: [] };
      value.self = value;
      value.list.push(value);
      const back = roundTrip(value) as typeof value;
      assert.equal(back.self, back);
      assert.equal(back.list[0], back);
    });

    it("an object with a null prototype", () => {
      const value = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
      assert.deepEqual({ ...(roundTrip(value) as object) }, { a: 1 });
    });

    it("an Error with its message and class", () => {
      const back = roundTrip(new TypeError("shape mismatch"));
      assert.ok(back instanceof TypeError);
      assert.equal((back as Error).message, "shape mismatch");
    });
  });

  describe("rejects with ARTIFACT_UNSERIALIZABLE", () => {
    it("a function, by name", () => {
      rejects(function fit() {}, "trainer", "trainer", "function fit");
    });

    it("a class instance with methods", () => {
      rejects(new Foo(), "model", "model", "instance of Foo");
    });

    it("a class instance in an object field, naming the field path", () => {
      rejects({ inner: new Foo() }, "model", "model.inner", "instance of Foo");
    });

    it("a class instance deep inside a Map value inside an array", () => {
      rejects({ layers: [1, new Map([["dense", { cell: new Foo() }]])] }, "model", "model.layers[1].get(0).cell", "instance of Foo");
    });

    it("a class instance inside a Set", () => {
      rejects(new Set([1, new Foo()]), "bag", "bag<item 1>", "instance of Foo");
    });

    it("a function used as a Map key", () => {
      rejects(new Map([[function key() {}, 1]]), "lookup", "lookup<key 0>", "function key");
    });

    it("a method inside an array of plain objects", () => {
      rejects([{ ok: 1 }, { cb: () => 0 }], "steps", "steps[1].cb", "function cb");
    });

    it("a symbol", () => {
      rejects(Symbol("token"), "marker", "marker", "symbol");
    });

    it("a symbol nested in an object", () => {
      rejects({ a: { b: Symbol("s") } }, "cfg", "cfg.a.b", "symbol");
    });

    it("a subclass of Map, whose methods would be lost", () => {
      class Registry extends Map<string, number> {}
      rejects({ reg: new Registry() }, "state", "state.reg", "instance of Registry");
    });

    it("with a hint saying what artifacts can hold", () => {
      assert.throws(
        () => structuredCloneSerializer.serialize(new Foo(), "model"),
        (err: unknown) => err instanceof WeftError && /plain objects/.test(err.hint ?? "") && /prefix the field with _/.test(err.hint ?? ""),
      );
    });
  });

  it("findUncloneable returns undefined for cloneable data", () => {
    assert.equal(findUncloneable({ a: [1, "x", new Map([[1, new Set([new Date()])]])], b: new Float32Array(3), c: Buffer.alloc(2) }, "v"), undefined);
  });

  it("describeType names the value's type for listings", () => {
    assert.deepEqual(
      [null, [1], Buffer.alloc(1), new Map(), new Date(0), 3, "s", 1n, undefined].map(describeType),
      ["null", "Array", "Buffer", "Map", "Date", "number", "string", "bigint", "undefined"],
    );
  });
});

describe("registerSerializer", () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  const pointSerializer: ArtifactSerializer = {
    name: "test-point",
    canSerialize: (v) => v instanceof Point,
    serialize: (v) => new TextEncoder().encode(JSON.stringify([(v as Point).x, (v as Point).y])),
    deserialize: (bytes) => {
      const [x, y] = JSON.parse(new TextDecoder().decode(bytes)) as [number, number];
      return new Point(x, y);
    },
    describe: () => "Point",
  };

  it("takes precedence for values it claims, and leaves the rest to v8", () => {
    registerSerializer(pointSerializer);
    assert.equal(serializerFor(new Point(3, 4)), pointSerializer);
    assert.equal(serializerFor({ x: 3, y: 4 }), structuredCloneSerializer);
    assert.equal(serializerFor(new Map()), structuredCloneSerializer);
  });

  it("lets a class instance the v8 serializer rejects round-trip with its methods", () => {
    registerSerializer(pointSerializer);
    const serializer = serializerFor(new Point(3, 4));
    const bytes = serializer.serialize(new Point(3, 4), "p");
    const back = serializer.deserialize(bytes instanceof Uint8Array ? bytes : Buffer.concat(bytes));
    assert.ok(back instanceof Point);
    assert.equal(back.norm(), 5);
  });

  it("is found by name for loading", () => {
    registerSerializer(pointSerializer);
    assert.equal(serializerNamed("test-point"), pointSerializer);
    assert.equal(serializerNamed("test-never-registered"), undefined);
  });

  it("a later registration that claims the same values wins", () => {
    const newer: ArtifactSerializer = { ...pointSerializer, name: "test-point-v2" };
    registerSerializer(pointSerializer);
    registerSerializer(newer);
    assert.equal(serializerFor(new Point(1, 1)), newer);
    assert.equal(serializerNamed("test-point"), pointSerializer);
  });

  it("registering the same name again replaces the earlier serializer", () => {
    const first: ArtifactSerializer = { ...pointSerializer, name: "test-replaced", canSerialize: (v) => v === "claimed-by-first" };
    const second: ArtifactSerializer = { ...pointSerializer, name: "test-replaced", canSerialize: (v) => v === "claimed-by-second" };
    registerSerializer(first);
    registerSerializer(second);
    assert.equal(serializerNamed("test-replaced"), second);
    assert.equal(serializerFor("claimed-by-first"), structuredCloneSerializer);
    assert.equal(serializerFor("claimed-by-second"), second);
  });
});
