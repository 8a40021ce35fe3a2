/** The title bar with the hotkey help. */
import type { Hotkey } from "../hooks/useHotkeys";

export interface HeaderProps {
  title: string;
  hotkeys: readonly Pick<Hotkey, "label" | "description">[];
  username: string | null;
}

export function Header({ title, hotkeys, username }: HeaderProps) {
  return (
    <header className="app-header">
      <h1 className="app-header__title">{title}</h1>
      <div className="app-header__side">
        {username && <span className="app-header__user">{username}</span>}
        <div className="help">
          <button type="button" className="icon-button help__button" aria-label="Keyboard shortcuts" aria-describedby="hotkey-help">
            ?
          </button>
          <div className="help__tooltip" role="tooltip" id="hotkey-help">
            <h2>Keyboard shortcuts</h2>
            <dl>
              {hotkeys.map((hotkey) => (
                <div key={hotkey.label} className="help__row">
                  <dt>
                    <kbd>{hotkey.label}</kbd>
                  </dt>
                  <dd>{hotkey.description}</dd>
                </div>
              ))}
              <div className="help__row">
                <dt>
                  <kbd>↑ ↓</kbd> on a knob
                </dt>
                <dd>Fine-tune it (Shift: finer, double-click: reset)</dd>
              </div>
            </dl>
          </div>
        </div>
      </div>
    </header>
  );
}
