import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serializerFor } from "./registry.ts";
import { typedArraySerializer } from "./typed-array.ts";

const stored = (value: unknown) => {
  const bytes = typedArraySerializer.serialize(value, "v");
  return Buffer.concat(bytes instanceof Uint8Array ? [bytes] : bytes);
};

describe("typedArraySerializer", () => {
  const samples: ArrayBufferView[] = [
    Buffer.from("hello"),
    new Uint8Array([1, 2, 255]),
    new Int8Array([-1, 2]),
    new Uint8ClampedArray([0, 255]),
    new Int16Array([-300, 300]),
    new Uint16Array([65535]),
    new Int32Array([-1, 7]),
    new Uint32Array([4294967295]),
    new Float32Array([1.5]),
    new Float64Array([Math.PI, -0]),
    new BigInt64Array([-5n]),
    new BigUint64Array([2n ** 64n - 1n]),
  ];

  it("round-trips every typed array and Buffer with its exact class and contents", () => {
    for (const value of samples) {
      const back = typedArraySerializer.deserialize(stored(value)) as ArrayBufferView;
      assert.equal(Object.getPrototypeOf(back), Object.getPrototypeOf(value), value.constructor.name);
      assert.deepEqual(back, value);
    }
  });

  it("is chosen for typed arrays and Buffers but not for DataView or plain objects", () => {
    for (const value of samples) assert.equal(serializerFor(value), typedArraySerializer);
    assert.notEqual(serializerFor(new DataView(new ArrayBuffer(4))), typedArraySerializer);
    assert.notEqual(serializerFor({ a: 1 }), typedArraySerializer);
  });

  it("saves a view of the value's memory, not a copy", () => {
    const value = new Float64Array(1024);
    const chunks = typedArraySerializer.serialize(value, "v") as Uint8Array[];
    assert.equal(chunks.length, 2);
    assert.equal(chunks[1]!.buffer, value.buffer);
  });

  it("loads an aligned array as a view of the bytes read, and copies only when misaligned", () => {
    const value = new Float64Array([1, 2, 3]);
    const blob = Buffer.concat([Buffer.from([0]), stored(value)]);
    const aligned = new Uint8Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength)).subarray(1);
    const back = typedArraySerializer.deserialize(aligned) as Float64Array;
    assert.equal(back.buffer, aligned.buffer, "a view at byte offset 8");
    assert.deepEqual([...back], [1, 2, 3]);
    const shifted = Buffer.concat([Buffer.from([0, 0]), stored(value)]).subarray(2);
    assert.deepEqual([...(typedArraySerializer.deserialize(shifted) as Float64Array)], [1, 2, 3]);
  });
});
