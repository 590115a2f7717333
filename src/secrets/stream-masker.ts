import { StringDecoder } from "node:string_decoder";
import type { Redactor } from "./redactor.ts";

/**
 * Masks secrets in a stream of writes rather than in each write on its own: a secret
 * written in pieces (`write("hunt"); write("er2")`), or a multi-line secret printed line
 * by line, is masked as a whole. Text that may be the start of a secret is held back
 * until the next write shows whether it is one, or until `end()`. Bytes are decoded as
 * UTF-8 across writes, so a character split between two writes is not garbled.
 */
export class StreamMasker {
  private held = "";
  private readonly decoder = new StringDecoder("utf8");

  constructor(private readonly redactor: Redactor) {}

  /** The masked text that can be written now; may be empty while a possible secret is held. */
  push(chunk: string | Uint8Array, encoding?: BufferEncoding): string {
    const text = typeof chunk === "string" ? (encoding && encoding !== "utf8" && encoding !== "utf-8" ? Buffer.from(chunk, encoding).toString("utf8") : chunk) : this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const all = this.held + text;
    const cut = this.redactor.safeCut(all);
    this.held = all.slice(cut);
    return this.redactor.redact(all.slice(0, cut));
  }

  /** What is still held, masked: written at the end of the stream. */
  end(): string {
    const rest = this.held + this.decoder.end();
    this.held = "";
    return this.redactor.redact(rest);
  }
}
