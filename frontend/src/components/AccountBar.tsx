/** Bottom bar: guests get the invitation to log in, members their name and logout. */
import type { AuthTab } from "./AuthDialog";

export interface AccountBarProps {
  username: string | null;
  onOpenAuth: (tab: AuthTab) => void;
  onLogout: () => void;
}

export function AccountBar({ username, onOpenAuth, onLogout }: AccountBarProps) {
  if (!username) {
    return (
      <footer className="account-bar">
        <p className="account-bar__pitch">Login for AI kick generation and presets</p>
        <div className="account-bar__actions">
          <button type="button" className="button button--primary" onClick={() => onOpenAuth("login")}>
            Log in
          </button>
          <button type="button" className="button" onClick={() => onOpenAuth("register")}>
            Register
          </button>
        </div>
      </footer>
    );
  }
  return (
    <footer className="account-bar">
      <p className="account-bar__who">
        Logged in as <strong>{username}</strong>
      </p>
      <button type="button" className="button button--ghost" onClick={onLogout}>
        Log out
      </button>
    </footer>
  );
}
