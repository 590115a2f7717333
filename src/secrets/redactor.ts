/** Secret values shorter than this are not masked: masking "a" would garble every line. */
const MIN_MASKED = 4;
export const MASK = "****";

/**
 * Masks secret values wherever a task writes: its output (live and saved), error
 * messages and exception records. Also tells whether serialized bytes hold a secret, so
 * an artifact carrying one is refused rather than stored.
 */
export class Redactor {
  private readonly secrets: { value: string; label: string; forms: Buffer[] }[] = [];

  add(value: string, label: string): void {
    if (value.length < MIN_MASKED || this.secrets.some((s) => s.value === value)) return;
    // V8 serializes strings as Latin-1 or UTF-16: look for both, and for UTF-8 text.
    this.secrets.push({ value, label, forms: [Buffer.from(value, "utf8"), Buffer.from(value, "latin1"), Buffer.from(value, "utf16le")] });
    // Longest first, so a secret containing another is masked whole.
    this.secrets.sort((a, b) => b.value.length - a.value.length);
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s.value)) out = out.split(s.value).join(MASK);
    return out;
  }

  /** The label of the first secret whose value appears in the bytes, or undefined. */
  findIn(chunks: readonly Uint8Array[]): string | undefined {
    for (const s of this.secrets) {
      for (const chunk of chunks) {
        const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (s.forms.some((form) => bytes.includes(form))) return s.label;
      }
    }
    return undefined;
  }
}
