import assert from "node:assert/strict";
import { test } from "node:test";
import { weftError } from "../../test/helpers/weft-error.ts";
import { MAX_TAG_LENGTH, validateTag } from "./tags.ts";

test("a tag's length is counted as the metadata service counts it (UTF-16 units), so a tag valid locally is valid there", () => {
  assert.equal(MAX_TAG_LENGTH, 256);
  validateTag("🙂".repeat(128));
  weftError(() => validateTag("🙂".repeat(129)), "USAGE");
  weftError(() => validateTag("🙂".repeat(200)), "USAGE");
});
