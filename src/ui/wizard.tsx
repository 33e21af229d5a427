// `qhub init` with no provider on a terminal: five questions (provider, project name, domain,
// login, repository), each with its default shown and checked as you type, then the same
// command runs with the answers as flags. Never used without a terminal: there, init needs flags.
import { Box, render, Text } from "ink";
import SelectInput from "ink-select-input";
import TextInput from "ink-text-input";
import { useState } from "react";
import { PROJECT_NAME, PROVIDERS, REPOSITORY } from "../config/schema.js";
import type { Provider } from "../config/schema.js";
import { UserError } from "../errors.js";
import { AUTH_TYPES, defaultDomain, projectNameFrom } from "../init/template.js";
import type { AuthType } from "../init/template.js";

export interface WizardAnswers {
  provider: Provider;
  projectName: string;
  domain: string;
  auth: AuthType;
  repository?: string;
}

const PROVIDER_LABELS: Record<Provider, string> = {
  local: "local — a cluster on this machine (kind, minikube, k3d)",
  existing: "existing — a cluster you already run",
  aws: "aws — Amazon EKS",
  gcp: "gcp — Google GKE",
  azure: "azure — Azure AKS",
  do: "do — DigitalOcean Kubernetes",
};
const AUTH_LABELS: Record<AuthType, string> = {
  password: "password — per-user passwords from environment variables",
  github: "github — GitHub OAuth, members of your organisation",
  auth0: "auth0 — Auth0 OAuth",
};

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** What is wrong with a typed value, or "" when it is fine (an empty entry takes the default). */
export function problemWith(step: "projectName" | "domain" | "repository", value: string): string {
  if (value === "") return "";
  if (step === "projectName")
    return PROJECT_NAME.test(value) && value.length <= 16
      ? ""
      : "letters, digits, - and _, starting with a letter, ending with a letter or digit, at most 16";
  if (step === "domain") return HOST.test(value) ? "" : "a host name, e.g. hub.example.com (no https://)";
  return REPOSITORY.test(value) ? "" : "OWNER/NAME, e.g. acme/ds-platform";
}

type Step = "provider" | "projectName" | "domain" | "auth" | "repository";

function Field(props: {
  label: string;
  placeholder: string;
  check: (v: string) => string;
  onSubmit: (v: string) => void;
}) {
  const [value, setValue] = useState("");
  const problem = props.check(value);
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold>{props.label} </Text>
        <Text dimColor>({props.placeholder || "optional"}) </Text>
        <TextInput
          value={value}
          onChange={setValue}
          onSubmit={(v) => {
            if (!props.check(v)) props.onSubmit(v);
          }}
        />
      </Box>
      {problem && <Text color={process.env.NO_COLOR ? undefined : "red"}> {problem}</Text>}
    </Box>
  );
}

function Choice<V extends string>(props: {
  question: string;
  labels: Record<V, string>;
  values: readonly V[];
  onSelect: (v: V) => void;
}) {
  return (
    <Box flexDirection="column">
      <Text bold>{props.question}</Text>
      <SelectInput
        items={props.values.map((v) => ({ label: props.labels[v], value: v }))}
        onSelect={(i) => props.onSelect(i.value)}
      />
    </Box>
  );
}

export function Wizard({ folder, onDone }: { folder: string; onDone: (a: WizardAnswers) => void }) {
  const [step, setStep] = useState<Step>("provider");
  const [a, setA] = useState<Partial<WizardAnswers>>({});
  const done = (k: keyof WizardAnswers, label: string) =>
    a[k] === undefined ? null : (
      <Text key={k}>
        ✔ {label}: {String(a[k])}
      </Text>
    );
  const provider = a.provider ?? "local";
  const projectDefault = projectNameFrom(folder, provider);
  const name = a.projectName ?? projectDefault;
  return (
    <Box flexDirection="column">
      <Text>A new qhub-config.yaml: answer five questions (Enter takes the default in brackets).</Text>
      {done("provider", "Provider")}
      {done("projectName", "Project name")}
      {done("domain", "Domain")}
      {done("auth", "Login")}
      {step === "provider" && (
        <Choice
          question="Where does the platform run?"
          labels={PROVIDER_LABELS}
          values={PROVIDERS}
          onSelect={(provider) => {
            setA({ ...a, provider });
            setStep("projectName");
          }}
        />
      )}
      {step === "projectName" && (
        <Field
          label="Project name"
          placeholder={projectDefault}
          check={(v) => problemWith("projectName", v)}
          onSubmit={(v) => {
            setA({ ...a, projectName: v || projectDefault });
            setStep("domain");
          }}
        />
      )}
      {step === "domain" && (
        <Field
          label="Domain users open"
          placeholder={defaultDomain(name, provider)}
          check={(v) => problemWith("domain", v)}
          onSubmit={(v) => {
            setA({ ...a, domain: v || defaultDomain(name, provider) });
            setStep("auth");
          }}
        />
      )}
      {step === "auth" && (
        <Choice
          question="How do users log in?"
          labels={AUTH_LABELS}
          values={AUTH_TYPES}
          onSelect={(auth) => {
            setA({ ...a, auth });
            setStep("repository");
          }}
        />
      )}
      {step === "repository" && (
        <Field
          label="GitHub repository for the rendered tree"
          placeholder=""
          check={(v) => problemWith("repository", v)}
          onSubmit={(v) => onDone({ ...(a as WizardAnswers), ...(v ? { repository: v } : {}) })}
        />
      )}
      <Text dimColor>(Ctrl-C cancels; nothing is written until the last answer)</Text>
    </Box>
  );
}

/** Asks on the terminal; rejects with a UserError when cancelled. */
export async function runWizard(folder: string): Promise<WizardAnswers> {
  let answers: WizardAnswers | undefined;
  const instance = render(
    <Wizard
      folder={folder}
      onDone={(a) => {
        answers = a;
        instance.unmount();
      }}
    />,
    { stdout: process.stderr, stdin: process.stdin, patchConsole: false, exitOnCtrlC: true },
  );
  await instance.waitUntilExit();
  if (!answers)
    throw new UserError(
      "cancelled; nothing was written",
      "run `qhub init PROVIDER` with flags to skip the questions",
    );
  return answers;
}
