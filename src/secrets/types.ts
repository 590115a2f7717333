/** One secret as a task asks for it, with everything resolved before the run starts. */
export interface ResolvedSecretSource {
  /** Registry key of the provider: "az-key-vault", "env". */
  type: string;
  /** The source as the user wrote it, for messages. */
  id: string;
  /** For Key Vault: the vault and secret; for env: the variable. */
  vaultUrl?: string;
  name: string;
  version?: string;
  /** The variable it sets; unset with `json`, where each key of the value sets one. */
  envVarName?: string;
  json: boolean;
}

/** A fetched secret. The value never reaches a log, an artifact or an error message. */
export interface FetchedSecret {
  source: ResolvedSecretSource;
  value: string;
}

/** Settings a provider may need beyond the sources, taken from the run's configuration. */
export interface ProviderSettings {
  authorityHost?: string;
}

/**
 * Where secrets come from. Batch-first: one call per provider per task attempt, so a
 * provider can fetch in parallel and share clients. Failures are WeftErrors that name
 * the source (vault, secret, version) and the likely cause, never the value.
 */
export interface SecretsProvider {
  readonly type: string;
  fetch(sources: ResolvedSecretSource[], settings: ProviderSettings): Promise<FetchedSecret[]>;
}
