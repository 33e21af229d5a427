# Runs the rendered JupyterHub configuration the way the hub pod does, with the real JupyterHub
# config machinery (Debian's jupyterhub 3.0 and traitlets) and fakes of what Debian lacks (fakes/:
# kubespawner 7, oauthenticator 17.4, z2jh 4.4.0's loader). Where JupyterHub 3.0 and 5.5 (the
# chart's) differ, this follows 5.5: see `startup`, `get_authenticated_user`, `auth_to_user`.
#
# stdin: {"values": chart values (HelmRelease values over the chart's defaults),
#         "env": {NAME: value}, "logins": [...], "pages": bool, "services": bool}
# A login: {"id", "kind": "password", "username", "password"}
#        | {"id", "kind": "github", "login", "orgs": [org], "teams": [[org, slug]]}
#        | {"id", "kind": "auth0", "user": {claims}}
# stdout: {"startup_error", "authenticate_prometheus", "services": {name: oauth client or None},
#          "logins": [{"id", "admitted", "name", "admin", "groups", "profiles",
#          "default", "startable", "starts": [{"mounts", "error"}], "error"}], "pages": {name: html}}
import asyncio
import json
import os
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.realpath(__file__))
FAKES = os.path.join(HERE, "fakes")
sys.path.insert(0, FAKES)

from jupyterhub.app import JupyterHub  # noqa: E402
from jupyterhub.auth import Authenticator  # noqa: E402
from jupyterhub.utils import maybe_future  # noqa: E402


class Group:
    def __init__(self, name):
        self.name = name


class User:
    """What a spawner sees of jupyterhub.user.User: name, admin, groups (objects with .name)."""

    def __init__(self, name, admin, groups):
        self.name = name
        self.admin = admin
        self.groups = [Group(g) for g in sorted(groups)]


class Hub:
    """The hub's database, as far as users, admin flags and group memberships go."""

    def __init__(self, app, authenticator):
        self.app = app
        self.authenticator = authenticator
        self.admin = {}
        self.groups = {}  # user -> set of group names
        self.spawners = {}

    def startup(self):
        # JupyterHub 5.5 app.init_users / init_groups: admin_users are admins (and allowed when
        # allowed_users is set); load_groups adds memberships, and is refused with manage_groups.
        a = self.authenticator
        admins = {a.normalize_username(n) for n in a.admin_users}
        a.admin_users = admins
        for name in admins:
            self.admin[name] = True
        a.allowed_users = {a.normalize_username(n) for n in a.allowed_users}
        if a.allowed_users and admins:
            a.allowed_users |= admins
        if a.manage_groups and self.app.load_groups:
            raise ValueError("Group management has been offloaded to the authenticator")
        for group, contents in self.app.load_groups.items():
            members = contents if isinstance(contents, list) else contents.get("users", [])
            for name in members:
                self.groups.setdefault(a.normalize_username(name), set()).add(group)

    async def get_authenticated_user(self, data):
        # JupyterHub 5.5 Authenticator.get_authenticated_user: allow_all, then check_allowed; the
        # base check_allowed of 5.5 admits allowed_users only (3.0's admitted anyone without them).
        a = self.authenticator
        model = await maybe_future(a.authenticate(None, data))
        if model is None:
            return None
        if not isinstance(model, dict):
            model = {"name": model}
        model.setdefault("auth_state", None)
        model.setdefault("admin", None)
        model["name"] = username = a.normalize_username(model["name"])
        if not a.validate_username(username):
            return None
        if getattr(a, "allow_all", False):
            allowed = True
        elif type(a).check_allowed is Authenticator.check_allowed:
            allowed = username in a.allowed_users
        else:
            allowed = await maybe_future(a.check_allowed(username, model))
        if not allowed:
            return None
        if model["admin"] is None:
            model["admin"] = await maybe_future(a.is_admin(None, model))
        return model

    def auth_to_user(self, model):
        # JupyterHub 5.5 BaseHandler.auth_to_user: admin only when explicit; with manage_groups the
        # model's groups replace the user's, and a model without groups is an error.
        name = model["name"]
        self.groups.setdefault(name, set())
        if model.get("admin") is not None:
            self.admin[name] = model["admin"]
        if self.authenticator.manage_groups:
            if "groups" not in model:
                raise ValueError(f"Authenticator.manage_groups is enabled, but auth_model for {name} specifies no groups.")
            if model["groups"] is not None:
                self.groups[name] = set(model["groups"])
        return User(name, self.admin.get(name, False), self.groups[name])

    def spawner(self, user):
        # One spawner object per user, kept between starts, as JupyterHub keeps it.
        if user.name not in self.spawners:
            self.spawners[user.name] = self.app.spawner_class(user=user, config=self.app.config, log=self.app.log)
        spawner = self.spawners[user.name]
        spawner.user = user
        return spawner


def login_data(login):
    kind = login["kind"]
    if kind == "password":
        return {"username": login["username"], "password": login["password"]}
    return {"code": login["id"]}


def identity_provider(logins):
    provider = {}
    for login in logins:
        if login["kind"] == "github":
            provider[login["id"]] = {
                "user": {"login": login["login"], "email": None},
                "orgs": login.get("orgs", []),
                "teams": login.get("teams", []),
            }
        elif login["kind"] == "auth0":
            provider[login["id"]] = {"user": login["user"]}
    return provider


async def start(hub, user, profile):
    spawner = hub.spawner(user)
    # JupyterHub 5.5 User.spawn: pre_spawn_hook, then Spawner.start (kubespawner: load_user_options).
    await maybe_future(spawner.run_pre_spawn_hook())
    spawner.user_options = {"profile": profile} if profile else {}
    await spawner.load_user_options()
    mounts = spawner.pod_volume_mounts()
    volumes = {v["name"] for v in spawner.pod_volumes()}
    missing = [m["name"] for m in mounts if m["name"] not in volumes]
    if missing:
        raise ValueError(f"volume mounts name no volume: {missing}")
    return mounts


async def try_profile(hub, user, slug):
    """Where the profile's server would run (its placement traits), or None if it may not start."""
    spawner = hub.app.spawner_class(user=user, config=hub.app.config, log=hub.app.log)
    spawner.user_options = {"profile": slug}
    try:
        await spawner.load_user_options()
    except ValueError:
        return None
    return {
        "image": spawner.image,
        "node_selector": dict(spawner.node_selector),
        "tolerations": list(spawner.tolerations),
        "extra_resource_limits": dict(spawner.extra_resource_limits),
    }


async def run_login(hub, login):
    out = {"id": login["id"], "admitted": False}
    model = await hub.get_authenticated_user(login_data(login))
    if model is None:
        return out
    user = hub.auth_to_user(model)
    out.update(admitted=True, name=user.name, admin=user.admin, groups=sorted(g.name for g in user.groups))
    spawner = hub.spawner(user)
    profiles = await spawner.get_profile_list()
    out["profiles"] = [p["slug"] for p in profiles]
    out["default"] = next((p["slug"] for p in profiles if p.get("default")), None)
    every = [p.get("slug") for p in hub.all_profiles]
    placements = {s: await try_profile(hub, user, s) for s in every}
    out["startable"] = [s for s in every if placements[s] is not None]
    out["placements"] = {s: p for s, p in placements.items() if p is not None}
    out["starts"] = []
    for _ in range(2):
        try:
            mounts = await start(hub, user, out["default"])
            out["starts"].append({"mounts": [m["mountPath"] for m in mounts], "error": None})
        except Exception as e:  # noqa: BLE001 (the test reports it)
            out["starts"].append({"mounts": [], "error": f"{type(e).__name__}: {e}"})
    return out


def render_pages(app, values, root):
    """The login page as JupyterHub's Jinja environment renders it (app.init_tornado_settings)."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader

    for details in (values.get("hub", {}).get("extraFiles") or {}).values():
        path = os.path.join(root, details["mountPath"].lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(details["stringData"])
    base = app._template_paths_default()[0]
    paths = [os.path.join(root, p.lstrip("/")) for p in app.template_paths if p != base] + [base]
    env = Environment(
        loader=ChoiceLoader(
            [PrefixLoader({"templates": FileSystemLoader([base])}, "/"), FileSystemLoader(paths)]
        ),
        autoescape=True,
    )
    namespace = dict(
        base_url="/hub/",
        prefix="/",
        user=None,
        login_url="/hub/login",
        logout_url="/hub/logout",
        static_url=lambda path, **kw: "/hub/static/" + path,
        version_hash="",
        services=[],
        parsed_scopes=set(),
        xsrf="",
        login_service=None,
        authenticator_login_url="/hub/login",
        **app.template_vars,
    )
    return {"login": env.get_template("login.html").render(**namespace)}


async def register_services(app):
    """The hub's services as JupyterHub registers them (app.init_services, on an in-memory
    database): each one's OAuth client as the hub will know it, or None. JupyterHub 5.5 refuses an
    OAuth service without a redirect URI at startup; 3.0 registers no client then, which this
    reports as None."""
    from jupyterhub.utils import compare_token

    app.db_url = "sqlite://"
    app.init_db()
    app.init_hub()
    app.init_oauth()
    await app.init_role_creation()
    app.init_services()
    out = {}
    for name, service in app._service_map.items():
        client = service.orm.oauth_client
        out[name] = None if client is None else {
            "client_id": client.identifier,
            "redirect_uri": client.redirect_uri,
            "secret_is_api_token": compare_token(client.secret, service.api_token),
            "allowed_scopes": sorted(client.allowed_scopes),
            "no_confirm": bool(service.oauth_no_confirm),
        }
    return out


async def main():
    scenario = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as tmp:
        values_path = os.path.join(tmp, "values.json")
        with open(values_path, "w") as f:
            json.dump(scenario["values"], f)
        os.environ["QHUB_HUB_VALUES"] = values_path
        os.environ.update(scenario.get("env", {}))
        app = JupyterHub()
        app.load_config_file(os.path.join(FAKES, "jupyterhub_config.py"))
        result = {"startup_error": None, "logins": [], "pages": {}}
        try:
            authenticator = app.authenticator_class(parent=app)
            if hasattr(authenticator, "identity_provider"):
                authenticator.identity_provider = identity_provider(scenario["logins"])
            hub = Hub(app, authenticator)
            # Every profile, for checking which ones a user may start (the callable filters them).
            hub.all_profiles = scenario["values"]["singleuser"].get("profileList", [])
            hub.startup()
        except Exception as e:  # noqa: BLE001
            result["startup_error"] = f"{type(e).__name__}: {e}"
            print(json.dumps(result))
            return
        for login in scenario["logins"]:
            try:
                result["logins"].append(await run_login(hub, login))
            except Exception as e:  # noqa: BLE001
                result["logins"].append(
                    {"id": login["id"], "admitted": None, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
                )
        result["authenticate_prometheus"] = app.authenticate_prometheus
        if scenario.get("services"):
            result["services"] = await register_services(app)
        if scenario.get("pages"):
            result["pages"] = render_pages(app, scenario["values"], tmp)
        print(json.dumps(result))


asyncio.run(main())
