// Type-aware lint (typescript-eslint's type-checked rules); formatting belongs to prettier.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".bench/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-properties": [
        "error",
        { object: "process", property: "exit", message: "Return an exit status; only src/cli.ts sets it." },
      ],
    },
  },
  {
    // One door to the file system (STYLE habit 16, SPEC §9): in src/, only src/fs/safe.ts imports
    // node:fs; everything else reads, writes and removes through it.
    files: ["src/**/*.ts", "src/**/*.tsx"],
    ignores: ["src/fs/safe.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        ...["node:fs", "fs", "node:fs/promises", "fs/promises"].map((name) => ({
          name,
          message: "Go through src/fs/safe.ts: it refuses links, non-regular files and oversized reads.",
        })),
      ],
    },
  },
  {
    // `qhub --help` loads every command's spec: commander and light modules only. A spec imports its
    // command's code with await import() when the command runs (scripts/build.mjs refuses a static one).
    files: ["src/commands/specs/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!(commander|node:path|\\./[\\w-]+\\.js|\\.\\./\\.\\./(errors|io|ui/load)\\.js)$)",
              allowTypeImports: true,
              message: "A spec stays light for `qhub --help`: import command code when it runs.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { URL: "readonly", process: "readonly", console: "readonly" },
    },
  },
);
