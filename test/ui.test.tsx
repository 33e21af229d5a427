// The terminal UI, rendered with ink's testing library (a fixed 100-column terminal) and compared
// as text; the wizard driven through its inputs; and the plain path (CI, pipes) byte for byte.
import { stripVTControlCharacters } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { describe, expect, test, vi } from "vitest";
import { View } from "../src/ui/ink.js";
import type { ViewModel } from "../src/ui/ink.js";
import { problemWith, Wizard } from "../src/ui/wizard.js";
import type { WizardAnswers } from "../src/ui/wizard.js";
import { countByCluster } from "../src/ui/tasks.js";
import { ROOT, runBin, runMain, tempDir } from "./helpers.js";

const text = (frame: string | undefined) =>
  stripVTControlCharacters(frame ?? "")
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");

const ENTER = "\r";
const DOWN = "\u001B[B";
/** ink handles a keystroke asynchronously: give it time (generous, for a loaded CI machine). */
const tick = () => new Promise((r) => setTimeout(r, 50));

describe("task list and summary", () => {
  test("done, failed and running stages, then the per-cluster summary with the link", () => {
    const model: ViewModel = {
      lines: ["added    clusters/prod/qhub.yaml"],
      tasks: [
        { title: "Fetch acme/platform (main, qhub/ds)", state: "done" },
        { title: "Render qhub-config.yaml onto main", state: "failed" },
        { title: "Open or update the pull request", state: "running" },
      ],
      summary: {
        title: "Pull request #7 opened; qhub/ds pushed",
        ok: true,
        clusters: countByCluster({
          added: ["clusters/prod/qhub.yaml", "cluster-overlays/prod/platform/jupyterhub.yaml", "README.md"],
          changed: ["cluster-overlays/staging/platform/jupyterhub.yaml"],
          removed: ["cluster-overlays/staging/platform/old.yaml"],
        }),
        link: { label: "Review it", url: "https://github.example/acme/platform/pull/7" },
      },
      color: false,
    };
    const { lastFrame, unmount } = render(<View model={model} />);
    expect(text(lastFrame())).toBe(
      [
        "added    clusters/prod/qhub.yaml",
        "✔ Fetch acme/platform (main, qhub/ds)",
        "✖ Render qhub-config.yaml onto main",
        "⠋ Open or update the pull request",
        "",
        "Pull request #7 opened; qhub/ds pushed",
        "",
        "cluster    added changed removed",
        "prod           2       0       0",
        "staging        0       1       1",
        "(shared)       1       0       0",
        "Review it: https://github.example/acme/platform/pull/7",
      ].join("\n"),
    );
    unmount();
  });

  test("long paths never wrap the live frame: each task and the summary title stay one line", () => {
    const long = `/home/someone/projects/${"very-long-folder-name/".repeat(6)}platform`;
    const model: ViewModel = {
      lines: [],
      tasks: [
        { title: `Write 65 files and the manifest to ${long}`, state: "done" },
        { title: `Compare with ${long}`, state: "running" },
      ],
      summary: { title: `Rendered 2 clusters into ${long}`, ok: true },
      color: false,
    };
    // ink-testing-library's terminal is 100 columns; the titles are twice that.
    const { lastFrame, unmount } = render(<View model={model} />);
    const lines = text(lastFrame()).split("\n");
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    expect(lines.filter((l) => l.startsWith("✔ Write 65 files"))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith("✔ Write"))).toMatch(/^✔ Write 65 files .*….*\/platform$/);
    expect(lines.filter((l) => l.startsWith("Rendered 2 clusters into"))).toHaveLength(1);
    unmount();
  });

  test("with colour off (NO_COLOR), the frame has no colour codes", () => {
    const { lastFrame, unmount } = render(
      <View model={{ lines: [], tasks: [{ title: "Compile", state: "done" }], color: false }} />,
    );
    expect(lastFrame()).toBe("✔ Compile");
    unmount();
  });
});

describe("qhub init wizard", () => {
  test("driven through its inputs: provider, name (checked as typed), domain default, login, repository", async () => {
    const done = vi.fn<(a: WizardAnswers) => void>();
    const { stdin, lastFrame, unmount } = render(<Wizard folder="My Team" onDone={done} />);
    await tick();
    expect(text(lastFrame())).toContain("Where does the platform run?");
    for (const key of [DOWN, DOWN, ENTER]) {
      stdin.write(key);
      await tick();
    }
    expect(text(lastFrame())).toContain("✔ Provider: aws");
    expect(text(lastFrame())).toContain("Project name (my-team)");
    stdin.write("9lives");
    await tick();
    expect(text(lastFrame())).toContain("letters, digits, - and _, starting with a letter");
    stdin.write(ENTER); // refused while invalid
    await tick();
    expect(text(lastFrame())).not.toContain("✔ Project name");
    for (let i = 0; i < "9lives".length; i++) {
      stdin.write("\u007F"); // backspace
      await tick();
    }
    stdin.write("ds-team");
    await tick();
    stdin.write(ENTER);
    await tick();
    expect(text(lastFrame())).toContain("Domain users open (ds-team.example.com)");
    stdin.write(ENTER);
    await tick();
    for (const key of [DOWN, ENTER]) {
      stdin.write(key);
      await tick();
    }
    stdin.write("acme/ds-platform");
    await tick();
    stdin.write(ENTER);
    await tick();
    expect(done).toHaveBeenCalledWith({
      provider: "aws",
      projectName: "ds-team",
      domain: "ds-team.example.com",
      auth: "github",
      repository: "acme/ds-platform",
    });
    unmount();
  });

  test("keys faster than frames are all taken: a burst of arrows, a typed name, a paste", async () => {
    const done = vi.fn<(a: WizardAnswers) => void>();
    const { stdin, lastFrame, unmount } = render(<Wizard folder="team" onDone={done} />);
    await tick();
    // No frame between the keys: each acts on the last one, not on what was last drawn.
    for (const key of [DOWN, DOWN, DOWN, ENTER]) stdin.write(key);
    await tick();
    expect(text(lastFrame())).toContain("✔ Provider: gcp");
    for (const ch of "research") stdin.write(ch);
    stdin.write(ENTER);
    await tick();
    expect(text(lastFrame())).toContain("✔ Project name: research");
    // A paste is one chunk; keys typed ahead of the next question's frame are not (yet) kept.
    stdin.write("hub.research.example.org");
    stdin.write(ENTER);
    await tick();
    stdin.write(DOWN);
    stdin.write(DOWN);
    stdin.write(ENTER);
    await tick();
    stdin.write(ENTER);
    await tick();
    expect(done).toHaveBeenCalledWith({
      provider: "gcp",
      projectName: "research",
      domain: "hub.research.example.org",
      auth: "auth0",
    });
    unmount();
  });

  test("checks as you type", () => {
    expect(problemWith("projectName", "ds-team")).toBe("");
    // The provider's own rules, as validate applies them: no answer is accepted and then refused.
    expect(problemWith("projectName", "ds-team", "azure")).toMatch(
      /^must not contain '-' with provider azure/,
    );
    expect(problemWith("projectName", "awsome", "aws")).toMatch(/^must not start with "aws"/);
    expect(problemWith("projectName", "a-very-long-project-name", "gcp")).toMatch(/at most 16/);
    expect(problemWith("projectName", "")).toBe("");
    expect(problemWith("domain", "https://hub.example.com")).toMatch(/^a host name/);
    expect(problemWith("repository", "acme")).toMatch(/^OWNER\/NAME/);
  });

  test("without a terminal, `qhub init` without a provider never asks (nor with flags: tried on a terminal under tmux): a clear usage error", async () => {
    const flagged = await runMain(["init", "--project-name", "ds-team"]);
    expect(flagged.code).toBe(2);
    expect(flagged.stderr).toContain("error: missing PROVIDER");
    const r = runBin(["init"], tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: missing PROVIDER: local, existing, aws, gcp, azure or do\nhint: e.g. `qhub init aws --project-name ds-team --domain hub.example.com`; on a terminal, `qhub init` alone asks\n",
    );
  });
});

describe("plain output (CI, pipes): no escape codes, byte for byte", () => {
  test("render, its no-change re-run, render --check, diff and validate", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      readFileSync(join(ROOT, "test/fixtures/render/local.yaml"), "utf8"),
    );
    const first = runBin(["render"], dir, { CI: "true" });
    expect(first.code).toBe(0);
    const lines = first.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^\d+ added, 0 changed, 0 removed, 0 unchanged$/);
    expect(lines.slice(0, -1).every((l) => /^added {4}\S+$/.test(l))).toBe(true);
    const n = lines.length - 1;
    expect(runBin(["render"], dir).stderr).toBe(`0 added, 0 changed, 0 removed, ${n} unchanged\n`);
    expect(runBin(["render", "--check"], dir).stderr).toBe("up to date\n");
    expect(runBin(["diff"], dir).stderr).toBe("no changes\n");
    expect(runBin(["validate"], dir).stderr).toBe("qhub-config.yaml: valid (1 cluster: laptop)\n");
    for (const out of [first.stdout, first.stderr]) expect(out).not.toContain("\u001B");
  });
});
