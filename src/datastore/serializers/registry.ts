import { structuredCloneSerializer } from "./structured-clone.ts";
import { typedArraySerializer } from "./typed-array.ts";

/**
 * Turns one kind of value into bytes and back. Registered serializers are tried newest
 * first, then the built-in typed-array one; structured clone takes everything else.
 */
export interface ArtifactSerializer {
  /** Stable name stored with each artifact; picks the serializer on load. */
  name: string;
  canSerialize(value: unknown): boolean;
  /** The serialized bytes, possibly as chunks to be stored one after the other (no copy). */
  serialize(value: unknown, artifactName: string): Uint8Array | Uint8Array[];
  deserialize(bytes: Uint8Array): unknown;
  /** A short type for listings: "Table<3 columns>", "Map". */
  describe(value: unknown): string;
}

const registered: ArtifactSerializer[] = [];

/** Adds a serializer for a type (e.g. Arrow tables); later registrations win. */
export function registerSerializer(serializer: ArtifactSerializer): void {
  const at = registered.findIndex((s) => s.name === serializer.name);
  if (at >= 0) registered.splice(at, 1);
  registered.unshift(serializer);
}

const BUILT_IN = [typedArraySerializer, structuredCloneSerializer];

export function serializerFor(value: unknown): ArtifactSerializer {
  return registered.find((s) => s.canSerialize(value)) ?? BUILT_IN.find((s) => s.canSerialize(value))!;
}

export function serializerNamed(name: string): ArtifactSerializer | undefined {
  return registered.find((s) => s.name === name) ?? BUILT_IN.find((s) => s.name === name);
}
