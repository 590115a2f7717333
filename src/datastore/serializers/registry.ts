import { structuredCloneSerializer } from "./structured-clone.ts";

/**
 * Turns one kind of value into bytes and back. Serializers are tried newest first;
 * the structured-clone serializer is the fallback for everything else.
 */
export interface ArtifactSerializer {
  /** Stable name stored with each artifact; picks the serializer on load. */
  name: string;
  canSerialize(value: unknown): boolean;
  serialize(value: unknown, artifactName: string): Uint8Array;
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

export function serializerFor(value: unknown): ArtifactSerializer {
  return registered.find((s) => s.canSerialize(value)) ?? structuredCloneSerializer;
}

export function serializerNamed(name: string): ArtifactSerializer | undefined {
  return name === structuredCloneSerializer.name ? structuredCloneSerializer : registered.find((s) => s.name === name);
}
