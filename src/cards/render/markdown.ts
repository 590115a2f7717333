import { Marked, type Tokens } from "marked";
import { escapeHtml } from "./escape.ts";

/**
 * Markdown with every raw HTML tag shown as text, links only to http(s) and mail
 * addresses, and images only from data: URLs (a card loads nothing from the network;
 * a remote image is shown as its alternative text).
 */
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    link({ href, title, tokens }: Tokens.Link) {
      const text = this.parser.parseInline(tokens);
      if (!/^(https?:|mailto:)/i.test(href)) return text;
      return `<a href="${escapeHtml(href)}" rel="noopener noreferrer"${title ? ` title="${escapeHtml(title)}"` : ""}>${text}</a>`;
    },
    image({ href, text }: Tokens.Image) {
      if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/i.test(href)) return `<img src="${href}" alt="${escapeHtml(text)}">`;
      return `<span title="remote image left out">[${escapeHtml(text || "image")}]</span>`;
    },
  },
});

export function renderMarkdown(text: string): string {
  return `<div class="markdown">${markdown.parse(text) as string}</div>`;
}
