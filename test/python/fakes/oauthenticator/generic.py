# Fake of GenericOAuthenticator, mirroring jupyterhub/oauthenticator 17.4.0 oauthenticator/generic.py
# (read at that tag, not copied): claim_groups_key is deprecated; auth_state_groups_key defaults to
# "oauth_user.<claim_groups_key>" (the user-info's "groups" claim). The identity provider entry is
# {"user": user info with its claims}.
from traitlets import Unicode, Union, default

from jupyterhub.traitlets import Callable

from .oauth2 import OAuthenticator


class GenericOAuthenticator(OAuthenticator):
    claim_groups_key = Union([Unicode("groups"), Callable()], config=True)

    @default("auth_state_groups_key")
    def _auth_state_groups_key_default(self):
        if callable(self.claim_groups_key):
            return lambda auth_state: self.claim_groups_key(auth_state[self.user_auth_state_key])
        return f"{self.user_auth_state_key}.{self.claim_groups_key}"
