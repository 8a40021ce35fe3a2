/** A titled panel holding a layer's Selectah (or any control in its place) and its knobs. */
import type { ReactNode } from "react";

export interface StripProps {
  title: string;
  accent: "kick" | "noise" | "reverb" | "master";
  selector?: ReactNode;
  /** Beside the title, e.g. the kick strip's background generation pill. */
  badge?: ReactNode;
  children: ReactNode;
}

export function Strip({ title, accent, selector, badge, children }: StripProps) {
  return (
    <section className={`strip strip--${accent}`} aria-label={title}>
      <header className="strip__header">
        <h2 className="strip__title">{title}</h2>
        {badge}
      </header>
      {selector && <div className="strip__selector">{selector}</div>}
      <div className="strip__knobs">{children}</div>
    </section>
  );
}
