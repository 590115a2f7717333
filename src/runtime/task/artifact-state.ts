import { sha256 } from "../../datastore/content-store.ts";
import { serializerFor } from "../../datastore/serializers/registry.ts";
import type { ArtifactReader, ArtifactRecord } from "../../datastore/task-datastore.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { RESERVED_NAMES } from "../../flow/flow-spec.ts";
import { checkArtifactName } from "../../metadata/names.ts";


/**
 * The artifacts of one running step, kept on the flow instance itself so that
 * `this.x` reads and writes them. Inherited artifacts are accessors that load on
 * first read; an assignment replaces the accessor with a plain value. At the end,
 * what was never read is carried over by reference (no bytes move), and what was
 * read or assigned is serialized again: an in-place change is then saved, and an
 * unchanged value costs a hash but no write.
 */
export class ArtifactState {
  private readonly inherited = new Map<string, ArtifactRecord>();
  /** Hash of each object read from a parent, re-serialized as it was loaded. */
  private readonly baselines = new Map<string, string>();
  /** Parameters and constants: read-only, saved once by start and carried by reference after. */
  private readonly params = new Map<string, { value: () => unknown; record: ArtifactRecord | undefined }>();

  constructor(private readonly target: Record<string, unknown>) {}

  /** Removes what the constructor put on the instance, returning it. Field initializers are not artifacts of later steps. */
  takeInitialFields(): Map<string, unknown> {
    const fields = new Map<string, unknown>();
    for (const key of Object.keys(this.target)) {
      fields.set(key, this.target[key]);
      delete this.target[key];
    }
    return fields;
  }

  /** A read-only artifact: parameters are the same in every task. */
  defineParam(name: string, value: unknown, record: ArtifactRecord | undefined): void {
    this.defineReadOnly(name, () => value, record, () => new WeftError("PARAMETER", `Parameter "${name}" is read-only inside steps.`, { hint: `Store a derived value under another name, e.g. this.${name}Used = …` }));
  }

  /**
   * A constant: a field with an initializer and no @param. Start saves the initializer's
   * value; later tasks read what start saved (`load`, on first read), so every task sees
   * the same value even when the initializer is not deterministic.
   */
  defineConstant(name: string, load: () => unknown, record: ArtifactRecord | undefined): void {
    let loaded: { value: unknown } | undefined;
    const value = () => (loaded ??= { value: load() }).value;
    this.defineReadOnly(name, value, record, () =>
      new WeftError("USAGE", `"${name}" is a constant of the flow (a field with an initializer and no @param), and constants are read-only inside steps.`, {
        hint: `Store the new value under another name, or declare the field without an initializer (${name}!: …) and assign it in start to make it an ordinary artifact.`,
      }),
    );
  }

  /**
   * A config (`@config`): the value the run was created with, frozen, the same in every
   * task. Saved once by start like a parameter, and carried by reference after.
   */
  defineConfig(name: string, value: unknown, record: ArtifactRecord | undefined): void {
    this.defineReadOnly(name, () => value, record, () =>
      new WeftError("USAGE", `Config "${name}" is read-only: its value is fixed when the run starts.`, {
        hint: `Start a run with another value (weft run … --config ${name}=FILE), or store a derived value under another name.`,
      }),
    );
  }

  /**
   * An included file (`@includeFile`): stored when the run was created, so every task
   * carries the same record and loads the bytes only when the step reads the field.
   */
  defineIncludedFile(name: string, record: ArtifactRecord, reader: ArtifactReader): void {
    this.defineReadOnly(name, () => reader.loadSync(name), record, () => new WeftError("PARAMETER", `Included file "${name}" is read-only inside steps.`, { hint: `Store a derived value under another name, e.g. this.${name}Rows = …` }));
  }

  private defineReadOnly(name: string, value: () => unknown, record: ArtifactRecord | undefined, refusal: () => WeftError): void {
    this.params.set(name, { value, record });
    Object.defineProperty(this.target, name, {
      enumerable: true,
      configurable: true,
      get: value,
      set: () => {
        throw refusal();
      },
    });
  }

  /** An artifact of a parent task, loaded on first read. */
  inherit(name: string, record: ArtifactRecord, reader: ArtifactReader): void {
    if (this.params.has(name)) return;
    this.inherited.set(name, record);
    Object.defineProperty(this.target, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        const value = reader.loadSync(name);
        // V8 re-serializes a loaded value differently from the original (dense arrays
        // come back holey), so "unchanged" is judged against the loaded form's hash.
        if (typeof value === "object" && value !== null) this.baselines.set(name, hashOf(value, name));
        Object.defineProperty(this.target, name, { value, writable: true, enumerable: true, configurable: true });
        return value;
      },
      set: (value: unknown) => {
        Object.defineProperty(this.target, name, { value, writable: true, enumerable: true, configurable: true });
      },
    });
  }

  /** A read value that the step neither replaced nor changed in place. */
  private isUnchanged(name: string, value: unknown): boolean {
    const baseline = this.baselines.get(name);
    return baseline !== undefined && hashOf(value, name) === baseline;
  }

  /** Whether the step has given `name` a value of its own (assigned it, or read and so may have changed it). */
  isSetHere(name: string): boolean {
    const descriptor = Object.getOwnPropertyDescriptor(this.target, name);
    return descriptor !== undefined && "value" in descriptor && !this.params.has(name);
  }

  /**
   * Splits the instance's artifacts into values to serialize and records to carry
   * over unchanged. Names starting with `_` are private and not saved.
   */
  collect(): { values: Map<string, unknown>; carried: Record<string, ArtifactRecord> } {
    const values = new Map<string, unknown>();
    const carried: Record<string, ArtifactRecord> = {};
    // Parameters are saved once, by start; every later task refers to those bytes.
    for (const [name, { value, record }] of this.params) {
      if (record) carried[name] = record;
      else values.set(name, value());
    }
    for (const name of Object.keys(this.target)) {
      if (name.startsWith("_") || this.params.has(name)) continue;
      checkArtifactName(name);
      if (RESERVED_NAMES.has(name)) {
        throw new WeftError("ARTIFACT_UNSERIALIZABLE", `Artifact name "${name}" is reserved by FlowSpec.`, { hint: `Rename this.${name} to something else.` });
      }
      const descriptor = Object.getOwnPropertyDescriptor(this.target, name)!;
      const inherited = this.inherited.get(name);
      if (!("value" in descriptor)) carried[name] = inherited!;
      else if (inherited && this.isUnchanged(name, descriptor.value)) carried[name] = inherited;
      else values.set(name, descriptor.value);
    }
    return { values, carried };
  }
}

function hashOf(value: unknown, name: string): string {
  return sha256(serializerFor(value).serialize(value, name));
}
