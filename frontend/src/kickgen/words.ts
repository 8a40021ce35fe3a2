/**
 * Pure rules of the keyword chips and the kick recipe: which words are chosen (the member's
 * remembered ones the deployed model knows, else its default prompt), how a click changes them
 * (one style, one word of each opposite pair), the prompt they make, and how a recipe reads.
 */
import type { KickFieldsFragment, KickVocabularyQuery } from "../gql/graphql";

export type KickVocabulary = Extract<KickVocabularyQuery["kickVocabulary"], { __typename: "KickVocabulary" }>;
export type Recipe = KickFieldsFragment["recipe"];

/** Every word the model understands, styles first. */
export function knownWords(vocabulary: KickVocabulary): string[] {
  return [...vocabulary.styles, ...vocabulary.pairs.flatMap((pair) => [pair.low, pair.high]), ...vocabulary.otherWords];
}

/** The chips shown chosen: the remembered words the model knows (null: never chosen, so its default prompt). */
export function chosenWords(remembered: readonly string[] | null, vocabulary: KickVocabulary): string[] {
  if (remembered === null) return [...vocabulary.defaultWords];
  const known = new Set(knownWords(vocabulary));
  return remembered.filter((word) => known.has(word));
}

/** The words after a click on `word`: a chosen word leaves; a style takes the chosen style's place, a word of a pair its opposite's. */
export function toggleWord(words: readonly string[], word: string, vocabulary: KickVocabulary): string[] {
  if (words.includes(word)) return words.filter((chosen) => chosen !== word);
  const pair = vocabulary.pairs.find((candidate) => candidate.low === word || candidate.high === word);
  const rivals = vocabulary.styles.includes(word) ? vocabulary.styles : pair ? [pair.low, pair.high] : [];
  const replaced = words.findIndex((chosen) => rivals.includes(chosen));
  if (replaced === -1) return [...words, word];
  return words.map((chosen, index) => (index === replaced ? word : chosen));
}

/** The prompt the chips make; no chip at all asks for the model's default sound. */
export function promptOf(words: readonly string[], vocabulary: KickVocabulary | null): string {
  return (words.length > 0 ? words : (vocabulary?.defaultWords ?? [])).join(" ");
}

export interface RecipeRow {
  label: string;
  value: string;
}

function wordList(words: readonly string[]): string {
  return words.length > 0 ? words.join(", ") : "none";
}

/** What the recipe popover lists, in order. */
export function recipeRows(recipe: Recipe): RecipeRow[] {
  const strength = recipe.strength === null ? "" : ` at strength ${recipe.strength.toFixed(2)}`;
  const madeFrom =
    recipe.madeFrom === "KICK"
      ? `More like ${recipe.parentName ?? "a kick"}${recipe.parentId === null ? " (since deleted)" : ""}${strength}`
      : recipe.madeFrom === "REFERENCE"
        ? `Your sample “${recipe.referenceName ?? "sample"}”${strength} (the sample was not kept)`
        : "Noise: a new kick";
  return [
    { label: "Model", value: recipe.modelName ? `${recipe.modelName} · ${recipe.modelVersion}` : "Unknown (made before recipes were kept)" },
    { label: "Prompt", value: recipe.prompt },
    // A kick made before recipes were kept knows its prompt, not how the model read it.
    { label: "Understood", value: recipe.modelName ? wordList(recipe.understoodWords) : "unknown" },
    { label: "Ignored", value: recipe.modelName ? wordList(recipe.ignoredWords) : "unknown" },
    { label: "Seed", value: recipe.seed },
    {
      label: "Sampling",
      value: recipe.steps === null || recipe.guidance === null ? "unknown" : `${recipe.sampler ?? "ddim"}, ${recipe.steps} steps, guidance ${recipe.guidance}`,
    },
    { label: "Made from", value: madeFrom },
  ];
}
