import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { headingAnchors, linkProblem, markdownFiles, markdownLinks } from "./markdownLinks.ts";

const ROOT = join(import.meta.dirname, "..");

describe("links of the documents", () => {
  it("every link in every markdown file of the repository resolves inside it", () => {
    const files = markdownFiles(ROOT);
    for (const expected of ["README.md", "docs/protocol.md", "scenarios/README.md", "examples/python-node/README.md"]) {
      expect(files.map((f) => relative(ROOT, f))).toContain(expected);
    }
    const problems = files.flatMap((file) =>
      markdownLinks(readFileSync(file, "utf8")).flatMap(({ target, line }) => {
        const problem = linkProblem(ROOT, file, target);
        return problem ? [`${relative(ROOT, file)}:${line}: ${problem}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });
});

describe("the link checker", () => {
  const root = mkdtempSync(join(tmpdir(), "qnet-links-"));
  mkdirSync(join(root, "docs"));
  writeFileSync(join(root, "docs", "a.md"), "# A title\n\n## Section 2. Items (and `versions`)\n\n## Again\n\n## Again\n");
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("finds inline links, images and reference definitions, not examples in code", () => {
    const text = [
      'See [the protocol](docs/protocol.md#4-messages) and ![a plot](plot.svg "title").',
      "`[not a link](nowhere.md)`",
      "```",
      "[nor this](nowhere.md)",
      "```",
      "[ref]: <docs/a b.md>",
    ].join("\n");
    expect(markdownLinks(text)).toEqual([
      { target: "docs/protocol.md#4-messages", line: 1 },
      { target: "plot.svg", line: 1 },
      { target: "docs/a b.md", line: 6 },
    ]);
  });

  it("gives headings GitHub's anchors", () => {
    expect([...headingAnchors(readFileSync(join(root, "docs", "a.md"), "utf8"))]).toEqual([
      "a-title",
      "section-2-items-and-versions",
      "again",
      "again-1",
    ]);
  });

  it("refuses a link out of the repository, to nothing, to a missing heading, or to another scheme", () => {
    const from = join(root, "README.md");
    expect(linkProblem(root, from, "docs/a.md#again-1")).toBeUndefined();
    expect(linkProblem(root, join(root, "docs", "a.md"), "#a-title")).toBeUndefined();
    expect(linkProblem(root, from, "docs/")).toBeUndefined();
    expect(linkProblem(root, from, "https://www.rabbitmq.com/docs/quorum-queues")).toBeUndefined();
    expect(linkProblem(root, from, "../shared/docs/PROTOCOL.md")).toMatch(/leaves the repository/);
    expect(linkProblem(root, from, "docs/b.md")).toMatch(/points at nothing/);
    expect(linkProblem(root, from, "docs/a.md#nowhere")).toMatch(/has no heading #nowhere/);
    expect(linkProblem(root, from, "/etc/passwd")).toMatch(/absolute path/);
    expect(linkProblem(root, from, "file:///etc/passwd")).toMatch(/neither a web address/);
  });
});
