# A fake of jupyterhub-kubespawner 7.0.0 (the version Zero to JupyterHub 4.4.0's hub image pins):
# only what QHub's hub code touches. See spawner.py.
from .spawner import KubeSpawner

__all__ = ["KubeSpawner"]
__version__ = "7.0.0"
