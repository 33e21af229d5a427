# hub.extraConfig "qhub-password-authenticator" (executed by Zero to JupyterHub's jupyterhub_config.py,
# where `c` and z2jh's `get_config` are defined). Users of security.users log in with their own
# password, read from the environment (QHUB_PASSWORD_<USER>, from the Secret qhub-passwords) and
# compared in constant time. The authenticator manages JupyterHub's groups (manage_groups, set in
# hub.config): each login sets the user's groups to the memberships qhub-config.yaml declares, so a
# membership removed from the config is removed from JupyterHub too (load_groups only ever adds).
import hmac
import os
import re

from jupyterhub.auth import Authenticator

_qhub_memberships = get_config("custom.qhub.memberships", {})  # noqa: F821 (z2jh's)


class QHubPasswordAuthenticator(Authenticator):
    async def authenticate(self, handler, data):
        user = data.get("username", "")
        env = "QHUB_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", user.upper())
        expected = os.environ.get(env)
        given = data.get("password", "")
        if not (expected and hmac.compare_digest(expected.encode(), given.encode())):
            return None
        groups = sorted(_qhub_memberships.get(user.lower(), []))
        # Members of the group admin are JupyterHub admins; everyone else is not (an explicit False
        # revokes admin from someone the config no longer lists there).
        return {"name": user, "groups": groups, "admin": "admin" in groups}


c.JupyterHub.authenticator_class = QHubPasswordAuthenticator  # noqa: F821
