# A fake of OAuthenticator 17.4.0 (the version Zero to JupyterHub 4.4.0's hub image pins): the
# traits and login flow QHub's hub code relies on, with a fake identity provider in place of the
# HTTP calls. The entry points "github" and "generic-oauth" are registered by the
# oauthenticator-17.4.0.dist-info folder beside this package, as upstream's pyproject.toml does.
from .generic import GenericOAuthenticator
from .github import GitHubOAuthenticator
from .oauth2 import OAuthenticator

__all__ = ["OAuthenticator", "GitHubOAuthenticator", "GenericOAuthenticator"]
__version__ = "17.4.0"
