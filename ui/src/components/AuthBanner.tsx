import { useEffect, useState } from "react";
import { AuthError, onAuth, token } from "../api.ts";

/**
 * Says clearly when the service wants a bearer token (401) or refused the one sent
 * (401/403), and takes one. The token stays in this tab's session storage only.
 */
export function AuthBanner() {
  const [error, setError] = useState<AuthError | null>(null);
  const [value, setValue] = useState("");
  useEffect(() => onAuth(setError), []);
  if (!error) return null;
  const had = Boolean(token.get());
  const what =
    error.status === 403
      ? "The metadata service refused the token: it is valid but lacks the role the service requires."
      : had
        ? "The metadata service refused the token sent."
        : "The metadata service needs a bearer token.";
  return (
    <div className="auth" role="alert">
      <strong>{what}</strong> <span className="muted">({error.message})</span>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          token.set(value.trim() || null);
          location.reload();
        }}
      >
        <input type="password" aria-label="Bearer token" placeholder="Paste a token for the service's audience" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit">Use token</button>
        {had && (
          <button type="button" onClick={() => (token.set(null), location.reload())}>
            Forget token
          </button>
        )}
      </form>
    </div>
  );
}
