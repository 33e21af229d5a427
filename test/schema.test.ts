import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { configJsonSchema, configJsonSchemaText } from "../src/config/json-schema.js";
import { configReference } from "../src/config/reference.js";
import { schemas } from "../src/config/schema.js";
import { PROVIDERS } from "../src/config/schema.js";
import { renderInitConfig } from "../src/init/template.js";
import { ROOT, runMain } from "./helpers.js";

const examples = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => [f, readFileSync(join(ROOT, "examples", f), "utf8")] as const);
const initConfigs = PROVIDERS.map(
  (provider) =>
    [
      `init ${provider}`,
      renderInitConfig({
        provider,
        projectName: "team",
        domain: "hub.example.com",
        auth: "github",
        repository: "acme/x",
      }),
    ] as const,
);

function ajvValidator() {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  // The schema's `email` and `uri` formats are checked, not ignored with a warning.
  addFormats.default(ajv);
  return ajv.compile(configJsonSchema());
}

describe("the exported JSON Schema", () => {
  test("the committed schema and config reference are what zod generates (run `npm run gen`)", () => {
    expect(readFileSync(join(ROOT, "schema", "qhub-config.schema.json"), "utf8")).toBe(
      configJsonSchemaText(),
    );
    expect(readFileSync(join(ROOT, "docs", "config-reference.md"), "utf8")).toBe(configReference());
  });

  test("`qhub schema` prints it", async () => {
    const r = await runMain(["schema"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(configJsonSchemaText());
  });

  test.each([...examples, ...initConfigs])("%s validates under both zod and ajv", (_name, text) => {
    const data: unknown = parse(text);
    expect(schemas().QhubConfig.safeParse(data).error?.issues ?? []).toEqual([]);
    const validate = ajvValidator();
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
  });

  test.each([
    ["an unknown key", { project_name: "x1", provider: "aws", domain: "a.b", domian: "a" }],
    ["a wrong enum", { project_name: "x1", provider: "amazon", domain: "a.b" }],
    [
      "a literal secret",
      {
        project_name: "x1",
        provider: "aws",
        domain: "a.b",
        security: {
          authentication: { type: "GitHub", config: { client_id: "a", client_secret: "hunter2" } },
        },
      },
    ],
    ["a missing required key", { project_name: "x1", provider: "aws" }],
  ])("zod and ajv both reject %s", (_name, data) => {
    expect(schemas().QhubConfig.safeParse(data).success).toBe(false);
    expect(ajvValidator()(data)).toBe(false);
  });

  test("every key has a description, for editors", () => {
    const missing: string[] = [];
    const walk = (s: Record<string, unknown>, path: string) => {
      const props = s.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) {
        const described =
          typeof v.description === "string" || Array.isArray(v.anyOf) || Array.isArray(v.oneOf);
        if (!described && !/_color$/.test(k) && !["fromEnv", "fromFile"].includes(k))
          missing.push(`${path}${k}`);
        walk(v, `${path}${k}.`);
      }
    };
    walk(configJsonSchema(), "");
    expect(missing).toEqual([]);
  });
});
