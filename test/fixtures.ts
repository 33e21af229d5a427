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
