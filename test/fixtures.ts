/** A small valid config, the base that tests modify. */
export const VALID = `project_name: ds-team
provider: aws
domain: hub.example.com
security:
  authentication:
    type: GitHub
    config:
      client_id: abc123
      client_secret: { fromEnv: GITHUB_CLIENT_SECRET }
      allowed_organizations: [ds-team]
`;

/** Strings that YAML 1.1 or 1.2 readers may take for something other than a string. */
export const YAML_TRICKY_SCALARS = [
  "no",
  "yes",
  "off",
  "on",
  "y",
  "n",
  "Y",
  "N",
  "NO",
  "On",
  "true",
  "False",
  "1_000",
  "0o17",
  "017",
  "0b101",
  "0x1F",
  "-0x1F",
  "+12",
  "09",
  "1:20",
  "01:20",
  "-1:20:30",
  "190:20:30.15",
  "2001-12-14",
  "2001-12-14t21:59:43.10-05:00",
  "2001-12-14 21:59:43.10 -5",
  "2002-12-14T00:00:00Z",
  ".inf",
  "-.Inf",
  ".NaN",
  "~",
  "null",
  "NULL",
  "",
  "1e5",
  "6.8523015e+5",
  "1.",
  ".5",
  "<<",
  "=",
];
