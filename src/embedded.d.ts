// Code QHub embeds in what it renders (Python for JupyterHub and Dask Gateway) lives in its own
// files so that linters and tests run it; the build and the test runner import each as its text.
declare module "*.py" {
  const text: string;
  export default text;
}
declare module "*.jinja" {
  const text: string;
  export default text;
}
