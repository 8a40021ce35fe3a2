/**
 * The status row below the top bar, one place and one height in both modes, so that switching
 * modes or starting a generation never moves the transport and the strips: AI Kick Gen mode shows
 * generation progress and errors there, both modes today's quota when nothing else needs saying.
 */
import type { ReactNode } from "react";
import { quotaNotice, quotaSummary, type KickQuota } from "./kicks";
import "./kickgen.css";

export function StatusRow({ children }: { children: ReactNode }) {
  return (
    <div className="status-row" data-testid="status-row">
      {children}
    </div>
  );
}

/** The countdown or the daily limit when either needs saying, else the quiet summary. */
export function QuotaStatus({ quota }: { quota: KickQuota | null }) {
  if (!quota) return null;
  const notice = quotaNotice(quota);
  if (notice) {
    return (
      <p className="notice notice--warning" role="status" data-testid="quota-notice" data-kind={notice.kind}>
        {notice.text}
      </p>
    );
  }
  return (
    <p className="notice status-row__info" data-testid="quota-summary">
      {quotaSummary(quota)}
    </p>
  );
}
