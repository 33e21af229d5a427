// Every config the platform tests cover, rendered in memory: the render fixtures, the bundled
// example and what `qhub init` writes for each provider and login. No Secrets are sealed (the
// tests read values and objects, not encrypted files).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { parseConfigText } from "../src/config/document.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { formatProblem } from "../src/config/problems.js";
import { resolveConfig } from "../src/config/resolve.js";
import { PROVIDERS } from "../src/config/schema.js";
import { validateDocument } from "../src/config/validate.js";
import { AUTH_TYPES, defaultDomain, renderInitConfig } from "../src/init/template.js";
import { buildRepository } from "../src/render/build.js";
import type { OutputFile } from "../src/render/emit.js";
import { loadStaticFiles } from "../src/render/static.js";
import { ROOT } from "./helpers.js";

export interface NamedConfig {
  name: string;
  file: string;
  text: string;
}

function initConfigs(): NamedConfig[] {
  return PROVIDERS.flatMap((provider) =>
    AUTH_TYPES.map((auth) => ({
      name: `qhub init ${provider} --auth ${auth}`,
      file: "qhub-config.yaml",
      text: renderInitConfig({
        provider,
        projectName: "team",
        domain: defaultDomain("team", provider),
        auth,
      }),
    })),
  );
}

/** The render fixtures, the bundled example and every `qhub init` provider/login combination. */
export function platformConfigs(): NamedConfig[] {
  const dir = join(ROOT, "test", "fixtures", "render");
  const fixtures = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ name: `fixture ${f}`, file: join(dir, f), text: readFileSync(join(dir, f), "utf8") }));
  const example = join(ROOT, "examples", "qhub-config.yaml");
  return [
    ...fixtures,
    { name: "examples/qhub-config.yaml", file: example, text: readFileSync(example, "utf8") },
    ...initConfigs(),
  ];
}

/** The files a render of the config writes (without encrypted Secrets). */
export function renderConfig(config: NamedConfig): OutputFile[] {
  const environments = loadDefaultEnvironments();
  const result = validateDocument(parseConfigText(config.file, config.text), {
    shippedEnvironments: environments,
  });
  if (!result.clusters) throw new Error(`${config.name}: ${result.problems.map(formatProblem).join("\n")}`);
  return buildRepository(resolveConfig(result.clusters, { environments }), loadStaticFiles());
}

export interface RenderedObject {
  file: string;
  object: { apiVersion?: string; kind?: string; metadata?: { name?: string }; [k: string]: unknown };
}

/** Every Kubernetes object in the rendered YAML files (Kustomize patches excluded). */
export function renderedObjects(files: readonly OutputFile[]): RenderedObject[] {
  return files
    .filter((f) => /\.ya?ml$/.test(f.path) && !f.path.startsWith(".github/"))
    .flatMap((f) =>
      parseAllDocuments(f.content).map((d) => ({
        file: f.path,
        object: d.toJS() as RenderedObject["object"],
      })),
    )
    .filter((o) => o.object !== null && typeof o.object === "object" && typeof o.object.kind === "string");
}

/** One rendered file as a parsed YAML document. */
export function parsedFile(files: readonly OutputFile[], path: string): unknown {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`${path} was not rendered`);
  return parse(f.content);
}
