/** The preset list and its mutations; server errors come back as messages to show. */
import { useCallback, useState } from "react";
import { useMutation, type Client } from "urql";
import type { DawSettings } from "../audio/params";
import type { PresetPageFieldsFragment } from "../gql/graphql";
import { CreatePresetMutation, DeletePresetMutation, PresetsQuery, UpdatePresetMutation } from "./operations";
import { settingsToInput, sortPresets, type Preset } from "./presets";

export type SaveOutcome = { ok: true; preset: Preset } | { ok: false; message: string };
export type DeleteOutcome = { ok: true } | { ok: false; message: string };

const NETWORK_PROBLEM = "The server could not be reached. Try again.";

export interface PresetStore {
  presets: Preset[];
  replaceAll: (presets: readonly Preset[]) => void;
  save: (name: string, settings: DawSettings) => Promise<SaveOutcome>;
  remove: (id: string) => Promise<DeleteOutcome>;
}

function validationMessage(message: string, errors: readonly { field: string; messages: readonly string[] }[]): string {
  return errors.length === 0 ? message : errors.map((error) => `${error.field}: ${error.messages.join(" ")}`).join(" ");
}

/**
 * Every preset the visitor may see, page after page (the server caps a page's size), starting
 * with `firstPage` when the caller already has it. Rejects when a page cannot be fetched.
 */
export async function loadAllPresets(client: Client, firstPage?: PresetPageFieldsFragment): Promise<Preset[]> {
  const presets: Preset[] = [];
  let page = firstPage;
  while (true) {
    if (!page) {
      const result = await client.query(PresetsQuery, { offset: presets.length }, { requestPolicy: "network-only" }).toPromise();
      page = result.data?.presets;
      if (!page) throw new Error(result.error?.message ?? NETWORK_PROBLEM);
    }
    presets.push(...page.results);
    if (page.results.length === 0 || presets.length >= page.totalCount) return presets;
    page = undefined;
  }
}

export function usePresets(): PresetStore {
  const [presets, setPresets] = useState<Preset[]>([]);
  const [, createPreset] = useMutation(CreatePresetMutation);
  const [, updatePreset] = useMutation(UpdatePresetMutation);
  const [, deletePreset] = useMutation(DeletePresetMutation);

  const replaceAll = useCallback((next: readonly Preset[]) => setPresets(sortPresets(next)), []);

  const upsert = useCallback((preset: Preset) => {
    setPresets((current) => sortPresets([...current.filter((item) => item.id !== preset.id), preset]));
  }, []);

  /** Saving under the name of one of your own presets overwrites it; any other name creates one. */
  const save = useCallback(
    async (name: string, settings: DawSettings): Promise<SaveOutcome> => {
      const input = settingsToInput(name, settings);
      const existing = presets.find((preset) => !preset.isShared && preset.name.toLowerCase() === input.name.toLowerCase());
      const outcome = existing
        ? (await updatePreset({ id: existing.id, input })).data?.updatePreset
        : (await createPreset({ input })).data?.createPreset;
      if (!outcome) return { ok: false, message: NETWORK_PROBLEM };
      switch (outcome.__typename) {
        case "PresetSuccess":
          upsert(outcome.preset);
          return { ok: true, preset: outcome.preset };
        case "ValidationErrors":
          return { ok: false, message: validationMessage(outcome.message, outcome.errors) };
        default:
          return { ok: false, message: outcome.message };
      }
    },
    [presets, createPreset, updatePreset, upsert],
  );

  const remove = useCallback(
    async (id: string): Promise<DeleteOutcome> => {
      const outcome = (await deletePreset({ id })).data?.deletePreset;
      if (!outcome) return { ok: false, message: NETWORK_PROBLEM };
      if (outcome.__typename === "DeletePresetSuccess") {
        setPresets((current) => current.filter((preset) => preset.id !== outcome.deletedId));
        return { ok: true };
      }
      if (outcome.__typename === "PresetNotFound") setPresets((current) => current.filter((preset) => preset.id !== id));
      return { ok: false, message: outcome.message };
    },
    [deletePreset],
  );

  return { presets, replaceAll, save, remove };
}
