/** Log in or register; the server's typed errors are shown next to the fields they concern. */
import { useState } from "react";
import { useMutation } from "urql";
import type { UserFieldsFragment } from "../gql/graphql";
import { LoginMutation, RegisterMutation } from "../graphql/operations";
import { Modal } from "./Modal";

export type AuthTab = "login" | "register";

export interface AuthDialogProps {
  initialTab: AuthTab;
  onAuthenticated: (user: UserFieldsFragment) => void;
  onClose: () => void;
}

type FieldErrors = Partial<Record<"username" | "email" | "password" | "__all__", string[]>>;

export function AuthDialog({ initialTab, onAuthenticated, onClose }: AuthDialogProps) {
  const [tab, setTab] = useState<AuthTab>(initialTab);
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [loginState, login] = useMutation(LoginMutation);
  const [registerState, register] = useMutation(RegisterMutation);
  const busy = loginState.fetching || registerState.fetching;

  const switchTab = (next: AuthTab) => {
    setTab(next);
    setMessage(null);
    setFieldErrors({});
  };

  const submit = async () => {
    setMessage(null);
    setFieldErrors({});
    if (tab === "login") {
      const result = await login({ username, password });
      const outcome = result.data?.login;
      if (!outcome) return setMessage(result.error?.message ?? "The server could not be reached.");
      if (outcome.__typename === "LoginSuccess") return onAuthenticated(outcome.user);
      return setMessage(outcome.message);
    }
    const result = await register({ username, email, password });
    const outcome = result.data?.register;
    if (!outcome) return setMessage(result.error?.message ?? "The server could not be reached.");
    switch (outcome.__typename) {
      case "RegisterSuccess":
        return onAuthenticated(outcome.user);
      case "ValidationErrors":
        setMessage(outcome.message);
        return setFieldErrors(Object.fromEntries(outcome.errors.map((error) => [error.field, error.messages])));
      case "Throttled":
        return setMessage(outcome.message);
    }
  };

  const field = (name: "username" | "email" | "password", label: string, value: string, onChange: (value: string) => void, type: string, autoComplete: string) => (
    <label className="form__field">
      <span>{label}</span>
      <input
        className="input"
        name={name}
        type={type}
        value={value}
        autoComplete={autoComplete}
        aria-invalid={fieldErrors[name] !== undefined}
        onChange={(event) => onChange(event.target.value)}
        required
      />
      {fieldErrors[name]?.map((error) => (
        <span key={error} className="form__error" data-field={name}>
          {error}
        </span>
      ))}
    </label>
  );

  return (
    <Modal title={tab === "login" ? "Log in" : "Create an account"} onCancel={onClose}>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === "login"} className="tab" onClick={() => switchTab("login")}>
          Log in
        </button>
        <button type="button" role="tab" aria-selected={tab === "register"} className="tab" onClick={() => switchTab("register")}>
          Register
        </button>
      </div>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {field("username", "Username", username, setUsername, "text", "username")}
        {tab === "register" && field("email", "Email", email, setEmail, "email", "email")}
        {field("password", "Password", password, setPassword, "password", tab === "login" ? "current-password" : "new-password")}
        {fieldErrors.__all__?.map((error) => (
          <p key={error} className="form__error">
            {error}
          </p>
        ))}
        {message && (
          <p className="form__error" role="alert">
            {message}
          </p>
        )}
        <div className="modal__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {tab === "login" ? "Log in" : "Register"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
