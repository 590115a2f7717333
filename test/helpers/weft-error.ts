import assert from "node:assert/strict";
import { WeftError } from "../../src/errors/weft-error.ts";

/** The WeftError that `fn` throws, after checking its code. */
export function weftError(fn: () => unknown, code: string): WeftError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail("expected a WeftError");
}
