import { readFile } from "node:fs/promises";
import { WeftError } from "../../errors/weft-error.ts";

/**
 * The bearer token in `file` (WEFT_SERVICE_AUTH_TOKEN_FILE), trimmed: Kubernetes
 * projected service-account tokens and similar files are replaced while the process
 * runs, so the client reads the file again after a 401.
 */
export async function readTokenFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new WeftError("CONFIG", `Cannot read the metadata service's token file "${file}" [WEFT_SERVICE_AUTH_TOKEN_FILE]: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, {
      hint: "Point WEFT_SERVICE_AUTH_TOKEN_FILE at a readable file holding the bearer token (e.g. a projected service-account token), or unset it.",
      cause: error,
    });
  }
  const token = text.trim();
  if (!token) {
    throw new WeftError("CONFIG", `The metadata service's token file "${file}" [WEFT_SERVICE_AUTH_TOKEN_FILE] is empty.`, { hint: "Write the bearer token into the file, or unset WEFT_SERVICE_AUTH_TOKEN_FILE." });
  }
  return token;
}
