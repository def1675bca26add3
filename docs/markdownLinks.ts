import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve, sep } from "node:path";

/** One link of a markdown document: its target as written, and the line it is on. */
export interface MarkdownLink {
  target: string;
  line: number;
}

const blank = (s: string) => s.replace(/[^\n]/g, " ");

/** Fenced code blocks hold examples, not links or headings: blank them out, keeping the line count. */
const withoutFences = (text: string) => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank);

/** Code spans too, for links. */
const withoutCode = (text: string) => withoutFences(text).replace(/(`+)[^`\n]*?\1/g, blank);

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** Inline links and images `[text](target "title")`, and reference definitions `[ref]: target`. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const text = withoutCode(markdown);
  const links: MarkdownLink[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)/g)) {
    links.push({ target: (m[1] as string).replace(/^<|>$/g, ""), line: lineOf(text, m.index) });
  }
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm)) {
    links.push({ target: (m[1] as string).replace(/^<|>$/g, ""), line: lineOf(text, m.index) });
  }
  return links;
}

/** The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (m[1] as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Where a link may go: a web address, or a file or folder of the repository, with an anchor its headings have. */
export function linkProblem(root: string, fromFile: string, target: string): string | undefined {
  if (/^https?:\/\//i.test(target)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `"${target}" is neither a web address nor a path in the repository`;
  const hash = target.indexOf("#");
  const path = decodeURIComponent(hash >= 0 ? target.slice(0, hash) : target);
  const anchor = hash >= 0 ? decodeURIComponent(target.slice(hash + 1)) : "";
  if (path.startsWith("/")) return `"${target}" is an absolute path: link relative to the document`;
  const file = path === "" ? fromFile : resolve(dirname(fromFile), path);
  const inside = relative(root, file);
  if (inside.startsWith(`..${sep}`) || inside === "..") return `"${target}" leaves the repository`;
  if (!existsSync(file)) return `"${target}" points at nothing (${inside} does not exist)`;
  if (anchor === "" || statSync(file).isDirectory() || extname(file) !== ".md") return undefined;
  if (!headingAnchors(readFileSync(file, "utf8")).has(anchor)) return `"${target}": ${inside} has no heading #${anchor}`;
  return undefined;
}

const SKIPPED = new Set(["node_modules", ".git", "dist", "reports", ".qnet"]);

/** Every markdown file of the repository, outside dependencies and build output. */
export function markdownFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(root, path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}
