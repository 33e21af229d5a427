# hub.extraConfig "qhub-oauth-groups" (executed by Zero to JupyterHub's jupyterhub_config.py, where
# `c` and z2jh's `get_config` are defined). With GitHub or Auth0 logins oauthenticator manages
# JupyterHub's groups (manage_groups, set in hub.config): at each login the user's groups become
# the identity provider's plus the memberships qhub-config.yaml declares (security.users). JupyterHub
# refuses load_groups together with manage_groups, hence the merge here.
#
# - GitHub: the user's teams (populate_teams_in_auth_state) as `org:team`, only of the organisations
#   the config admits when it names any.
# - Auth0: the groups claim of the user's profile (custom.qhub.groupsClaim).
#
# The group `admin` (admin_groups) is QHub's own: only the config grants it, never the provider.
_qhub = get_config("custom.qhub", {})  # noqa: F821 (z2jh's)
_qhub_memberships = _qhub.get("memberships", {})
_QHUB_ADMIN_GROUP = "admin"


def _qhub_github_groups(auth_state):
    user = auth_state["github_user"]["login"]
    orgs = {o.lower() for o in _qhub.get("teamOrganizations", [])}
    teams = set()
    for team in auth_state.get("teams") or []:
        org = team["organization"]["login"].lower()
        if not orgs or org in orgs:
            teams.add(f"{org}:{team['slug']}")
    return user, teams


def _qhub_auth0_groups(auth_state):
    profile = auth_state["oauth_user"]
    user = profile[_qhub.get("usernameClaim", "email")]
    claim = profile.get(_qhub.get("groupsClaim", "groups")) or []
    return user, {claim} if isinstance(claim, str) else {str(g) for g in claim}


def _qhub_groups(auth_state):
    """oauthenticator's auth_state_groups_key: the user's JupyterHub groups."""
    user, provided = (
        _qhub_github_groups(auth_state)
        if _qhub.get("login") == "github"
        else _qhub_auth0_groups(auth_state)
    )
    provided.discard(_QHUB_ADMIN_GROUP)
    # JupyterHub's default username normalization lowercases; memberships are keyed the same way.
    return sorted(provided | set(_qhub_memberships.get(user.lower(), [])))


_qhub_authenticator = {"github": "GitHubOAuthenticator", "auth0": "GenericOAuthenticator"}[_qhub["login"]]
c[_qhub_authenticator].auth_state_groups_key = _qhub_groups  # noqa: F821
