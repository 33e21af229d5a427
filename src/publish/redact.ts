// The GitHub token must never reach output, logs or errors: every text that may carry it (git's
// messages, HTTP errors) passes through here. Its Basic-auth form is covered too, because that is
// what git sends.

const MASK = "***";

/** `text` with `secret` and its Basic-auth encodings replaced by ***. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  const forms = [
    secret,
    Buffer.from(`x-access-token:${secret}`).toString("base64"),
    encodeURIComponent(secret),
  ];
  let out = text;
  for (const form of forms) if (form.length >= 4) out = out.split(form).join(MASK);
  return out;
}
