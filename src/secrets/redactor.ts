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

  /**
   * Where text written so far can be cut for output now: the text after the cut may be
   * the start of a secret whose rest has not been written yet, and is held back. A cut
   * never falls inside a whole secret, so masking what precedes it masks every secret
   * there.
   */
  safeCut(text: string): number {
    let cut = text.length;
    for (const { value } of this.secrets) {
      for (let k = Math.min(value.length - 1, text.length); k > 0; k--) {
        if (text.endsWith(value.slice(0, k))) {
          cut = Math.min(cut, text.length - k);
          break;
        }
      }
    }
    // Secrets overlap one another: move the cut past any whole secret it would split.
    for (let moved = true; moved; ) {
      moved = false;
      for (const { value } of this.secrets) {
        for (let at = text.indexOf(value, Math.max(0, cut - value.length + 1)); at >= 0 && at < cut; at = text.indexOf(value, at + 1)) {
          if (at + value.length > cut) {
            cut = at + value.length;
            moved = true;
          }
        }
      }
    }
    return cut;
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
