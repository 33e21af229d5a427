# Fake of GitHubOAuthenticator, mirroring jupyterhub/oauthenticator 17.4.0 oauthenticator/github.py
# (read at that tag, not copied): username from "login", allowed_organizations (`org` or
# `org:team`) checked by membership, populate_teams_in_auth_state filling auth_state["teams"] with
# GitHub's /user/teams objects (slug, organization.login) when read:org is in scope. GitHub's API
# answers come from the identity provider entry: {"user": {...}, "orgs": [...], "teams": [[org, slug]]}.
from traitlets import Bool, Set, default

from .oauth2 import OAuthenticator


class GitHubOAuthenticator(OAuthenticator):
    user_auth_state_key = "github_user"

    @default("login_service")
    def _login_service_default(self):
        return "GitHub"

    @default("username_claim")
    def _username_claim_default(self):
        return "login"

    allowed_organizations = Set(config=True)
    populate_teams_in_auth_state = Bool(False, config=True)

    def _provider(self, auth_model):
        return self.identity_provider[auth_model["auth_state"]["token_response"]["access_token"]]

    async def _check_membership_allowed_organizations(self, org_team, username, provider):
        # Upstream asks GET /orgs/{org}/members/{user} or /orgs/{org}/teams/{team}/members/{user};
        # GitHub compares organisation and team names case-insensitively.
        if ":" in org_team:
            org, team = org_team.split(":")
            return any(
                o.lower() == org.lower() and t.lower() == team.lower() for o, t in provider["teams"]
            )
        return org_team.lower() in {o.lower() for o in provider["orgs"]}

    async def check_allowed(self, username, auth_model):
        if await super().check_allowed(username, auth_model):
            return True
        if self.allowed_organizations:
            provider = self._provider(auth_model)
            for org_team in self.allowed_organizations:
                if await self._check_membership_allowed_organizations(org_team, username, provider):
                    return True
        return False

    async def update_auth_model(self, auth_model):
        if self.populate_teams_in_auth_state:
            if "read:org" not in self.scope:
                self.log.error("read:org scope is required for populate_teams_in_auth_state")
            else:
                provider = self._provider(auth_model)
                auth_model["auth_state"]["teams"] = [
                    {"slug": slug, "name": slug, "organization": {"login": org}}
                    for org, slug in provider["teams"]
                ]
        return auth_model
