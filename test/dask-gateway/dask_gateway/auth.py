# Mirrors dask-gateway/dask_gateway/auth.py of dask-gateway 2026.3.0: an auth's pre_request gives
# the headers the client resends a request with after the gateway answered 401.
import os


class GatewayAuth:
    """Base class for authenticating clients in dask-gateway."""

    def __init__(self, **kwargs):
        pass

    def pre_request(self, resp):
        """Headers (and a context for post_response) for the retry of a request answered 401."""
        return {}, None

    def post_response(self, resp, context=None):
        pass


class JupyterHubAuth(GatewayAuth):
    """Uses a JupyterHub API token: `Authorization: jupyterhub <token>`."""

    def __init__(self, api_token=None):
        if api_token is None:
            api_token = os.environ.get("JUPYTERHUB_API_TOKEN")
            if api_token is None:
                raise ValueError(
                    "No JupyterHub API token provided, and JUPYTERHUB_API_TOKEN "
                    "environment variable not found"
                )
        self.api_token = api_token

    def pre_request(self, resp):
        return {"Authorization": "jupyterhub " + self.api_token}, None


def get_auth(auth=None):
    # Upstream also reads dask's config (gateway.auth.type); the fake takes only an instance or name.
    if isinstance(auth, GatewayAuth):
        return auth
    if auth == "jupyterhub":
        return JupyterHubAuth()
    raise TypeError(f"Unknown auth value {auth!r}")
