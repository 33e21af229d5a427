# Fake of OAuthenticator, mirroring jupyterhub/oauthenticator 17.4.0 oauthenticator/oauth2.py (read at
# that tag, not copied): the allow/admin/group traits, the _token_to_auth_model flow
# (build_auth_state_dict, modify_auth_state_hook, update_auth_model, _apply_managed_groups),
# get_user_groups with auth_state_groups_key, and check_allowed. The token exchange and user-info
# request go to `identity_provider` (a dict the test sets: code -> what the provider would answer).
from functools import reduce
from inspect import isawaitable

from jupyterhub.auth import Authenticator
from traitlets import Any, Bool, Callable, List, Set, Unicode, Union, observe


class OAuthenticator(Authenticator):
    user_auth_state_key = "oauth_user"

    login_service = Unicode("OAuth 2.0", config=True)
    # Upstream 16+: allows every authenticated user; overrides all other allow config.
    allow_all = Bool(False, config=True)
    allow_existing_users = Bool(False, config=True)
    allowed_groups = Set(Unicode(), config=True)
    admin_groups = Set(Unicode(), config=True)
    auth_state_groups_key = Union([Unicode(), Callable()], config=True)
    modify_auth_state_hook = Callable(config=True, default_value=None, allow_none=True)
    allowed_scopes = List(Unicode(), config=True)
    scope = List(Unicode(), config=True)
    username_claim = Union([Unicode("username"), Callable()], config=True)
    client_id = Unicode(config=True)
    client_secret = Unicode(config=True)
    oauth_callback_url = Unicode(config=True)
    authorize_url = Unicode(config=True)
    token_url = Unicode(config=True)
    userdata_url = Unicode(config=True)

    # Not upstream: the fake identity provider (code -> {"user": user info, ...}).
    identity_provider = Any({})

    @observe("allowed_groups", "admin_groups", "auth_state_groups_key")
    def _requires_manage_groups(self, change):
        # Upstream raises when these are set without manage_groups.
        if change.new and not self.manage_groups:
            raise ValueError(
                f"{change.owner.__class__.__name__}.{change.name} requires "
                f"{change.owner.__class__.__name__}.manage_groups to also be set"
            )

    def user_info_to_username(self, user_info):
        if callable(self.username_claim):
            return self.username_claim(user_info)
        username = user_info.get(self.username_claim)
        if not username:
            raise ValueError(f"No {self.username_claim} found in {user_info}")
        return username

    def build_auth_state_dict(self, token_info, user_info):
        return {
            "access_token": token_info["access_token"],
            "refresh_token": token_info.get("refresh_token"),
            "id_token": token_info.get("id_token"),
            "scope": token_info.get("scope", "").split(" "),
            "token_response": token_info,
            self.user_auth_state_key: user_info,
        }

    async def get_user_groups(self, auth_state):
        if callable(self.auth_state_groups_key):
            groups = self.auth_state_groups_key(auth_state)
            if isawaitable(groups):
                groups = await groups
            return set(groups)
        groups = None
        try:
            groups = reduce(dict.get, self.auth_state_groups_key.split("."), auth_state)
        except TypeError:
            pass
        if groups is None:
            self.log.error(f"The auth_state_groups_key {self.auth_state_groups_key} does not exist")
            return set()
        return set(groups)

    async def update_auth_model(self, auth_model):
        return auth_model

    async def _apply_managed_groups(self, auth_model):
        if self.manage_groups:
            user_groups = await self.get_user_groups(auth_model["auth_state"])
            auth_model["groups"] = sorted(user_groups)
            if self.admin_groups and not auth_model["admin"]:
                auth_model["admin"] = bool(user_groups & self.admin_groups)
        return auth_model

    async def token_to_user(self, token_info):
        return self.identity_provider[token_info["access_token"]]["user"]

    async def _token_to_auth_model(self, token_info):
        user_info = await self.token_to_user(token_info)
        username = self.normalize_username(self.user_info_to_username(user_info))
        auth_state = self.build_auth_state_dict(token_info, user_info)
        if isawaitable(auth_state):
            auth_state = await auth_state
        if self.modify_auth_state_hook is not None:
            auth_state = self.modify_auth_state_hook(self, auth_state)
            if isawaitable(auth_state):
                auth_state = await auth_state
        auth_model = {
            "name": username,
            "admin": True if username in self.admin_users else None,
            "auth_state": auth_state,
        }
        auth_model = await self.update_auth_model(auth_model)
        if self.manage_groups:
            auth_model = await self._apply_managed_groups(auth_model)
        return auth_model

    async def authenticate(self, handler, data=None, **kwargs):
        # Upstream exchanges data["code"] for a token at token_url; here the code is the token.
        code = data["code"]
        if code not in self.identity_provider:
            return None
        token_info = {"access_token": code, "token_type": "bearer", "scope": " ".join(self.scope)}
        return await self._token_to_auth_model(token_info)

    async def check_allowed(self, username, auth_model):
        if auth_model is None:
            return True
        if self.allowed_scopes:
            granted = auth_model.get("auth_state", {}).get("scope", [])
            if not set(self.allowed_scopes) - set(granted):
                return True
        if self.allow_all:
            return True
        if auth_model["admin"]:
            return True
        if username in self.allowed_users:
            return True
        if self.manage_groups and self.allowed_groups and auth_model.get("groups"):
            if set(auth_model["groups"]) & self.allowed_groups:
                return True
        return False
