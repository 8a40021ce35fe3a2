/** The kick layer's Selectah: stock kicks first, then the member's AI kicks alphabetically ("AI: " prefix). */
import { Selectah, type SelectahOption } from "./Selectah";

export interface KickSelectahProps {
  value: string | null;
  stockKicks: readonly SelectahOption[];
  aiKicks: readonly SelectahOption[];
  onChange: (key: string) => void;
}

export function KickSelectah({ value, stockKicks, aiKicks, onChange }: KickSelectahProps) {
  // The server names AI kicks with their "AI: " prefix already ("AI: Bärbel").
  const ai = [...aiKicks].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }));
  return (
    <Selectah
      id="kick-selectah"
      label="Kick sample"
      value={value}
      groups={[
        { label: "Stock kicks", options: stockKicks },
        { label: "AI kicks", options: ai },
      ]}
      onChange={onChange}
      placeholder="No kick loaded"
    />
  );
}
