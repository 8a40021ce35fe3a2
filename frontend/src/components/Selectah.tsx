/** The sample dropdown of a layer strip ("Selectah"). Options come grouped, e.g. stock then AI kicks. */
export interface SelectahOption {
  key: string;
  name: string;
}

export interface SelectahGroup {
  label: string;
  options: readonly SelectahOption[];
}

export interface SelectahProps {
  id: string;
  label: string;
  value: string | null;
  groups: readonly SelectahGroup[];
  onChange: (key: string) => void;
  placeholder?: string;
}

export function Selectah({ id, label, value, groups, onChange, placeholder = "Choose a sample" }: SelectahProps) {
  const visible = groups.filter((group) => group.options.length > 0);
  const known = visible.some((group) => group.options.some((option) => option.key === value));
  return (
    <div className="selectah">
      <label className="visually-hidden" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="select" value={known && value ? value : ""} onChange={(event) => onChange(event.target.value)}>
        {!known && (
          <option value="" disabled>
            {placeholder}
          </option>
        )}
        {visible.length === 1
          ? visible[0]!.options.map((option) => (
              <option key={option.key} value={option.key}>
                {option.name}
              </option>
            ))
          : visible.map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.options.map((option) => (
                  <option key={option.key} value={option.key}>
                    {option.name}
                  </option>
                ))}
              </optgroup>
            ))}
      </select>
    </div>
  );
}
