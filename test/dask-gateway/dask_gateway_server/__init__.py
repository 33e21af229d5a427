# A fake of dask-gateway-server 2026.3 (github.com/dask/dask-gateway, dask-gateway-server/), with
# the shapes and behaviour QHub's gateway config relies on; written from the source, not copied.
