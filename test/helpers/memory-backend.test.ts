import { storageBackendContract } from "../../src/datastore/backend-contract.ts";
import { MemoryBackend } from "./memory-backend.ts";

// The unit tests' stand-in for a cloud backend must keep the same promises as the real ones.
storageBackendContract("MemoryBackend", async () => ({ backend: new MemoryBackend(), cleanup: async () => {} }));
