import { describe, expect, it } from "vitest";
import { testRecipe } from "./recipe.fixture";
import { chosenWords, knownWords, promptOf, recipeRows, toggleWord, type KickVocabulary } from "./words";

const vocabulary: KickVocabulary = {
  __typename: "KickVocabulary",
  model: { name: "kick-gen-v3", version: "78ea4b9952a2" },
  styles: ["808", "909", "house", "techno"],
  pairs: [
    { low: "short", high: "long" },
    { low: "soft", high: "punchy" },
  ],
  otherWords: ["hit", "tape"],
  defaultWords: ["hit", "house"],
};

const recipe = testRecipe({
  prompt: "punchy banana 909",
  understoodWords: ["punchy", "909"],
  ignoredWords: ["banana"],
  seed: "9007199254740993",
  sampler: "ddim",
  steps: 25,
});

describe("chosen words", () => {
  it("are the model's default prompt until the member chooses", () => {
    expect(chosenWords(null, vocabulary)).toEqual(["hit", "house"]);
    expect(chosenWords([], vocabulary)).toEqual([]);
  });

  it("keep only the remembered words the deployed model knows, in their order", () => {
    expect(chosenWords(["techno", "gabber", "long"], vocabulary)).toEqual(["techno", "long"]);
  });

  it("lists every known word, styles first", () => {
    expect(knownWords(vocabulary)).toEqual(["808", "909", "house", "techno", "short", "long", "soft", "punchy", "hit", "tape"]);
  });
});

describe("toggleWord", () => {
  it("adds a word and removes a chosen one", () => {
    expect(toggleWord(["hit", "house"], "tape", vocabulary)).toEqual(["hit", "house", "tape"]);
    expect(toggleWord(["hit", "house"], "hit", vocabulary)).toEqual(["house"]);
  });

  it("keeps one style: a new style takes the old one's place", () => {
    expect(toggleWord(["hit", "house", "long"], "techno", vocabulary)).toEqual(["hit", "techno", "long"]);
  });

  it("keeps one word of each opposite pair", () => {
    expect(toggleWord(["house", "short", "soft"], "long", vocabulary)).toEqual(["house", "long", "soft"]);
    expect(toggleWord(["house", "short"], "punchy", vocabulary)).toEqual(["house", "short", "punchy"]);
  });
});

describe("promptOf", () => {
  it("joins the chosen words; none asks for the model's default sound", () => {
    expect(promptOf(["punchy", "909"], vocabulary)).toBe("punchy 909");
    expect(promptOf([], vocabulary)).toBe("hit house");
    expect(promptOf([], null)).toBe("");
  });
});

describe("recipeRows", () => {
  it("says what the model understood and ignored, and every setting", () => {
    expect(recipeRows(recipe)).toEqual([
      { label: "Model", value: "kick-gen-v3 · 78ea4b9952a2" },
      { label: "Prompt", value: "punchy banana 909" },
      { label: "Understood", value: "punchy, 909" },
      { label: "Ignored", value: "banana" },
      { label: "Seed", value: "9007199254740993" },
      { label: "Sampling", value: "ddim, 25 steps, guidance 3" },
      { label: "Made from", value: "Noise: a new kick" },
    ]);
  });

  it("says which kick or sample a variation came from, and how strongly", () => {
    const variation = { ...recipe, madeFrom: "KICK" as const, parentId: "4", parentName: "AI: Bärbel", strength: 0.4 };
    expect(recipeRows(variation).at(-1)).toEqual({ label: "Made from", value: "More like AI: Bärbel at strength 0.40" });
    expect(recipeRows({ ...variation, parentId: null }).at(-1)?.value).toBe("More like AI: Bärbel (since deleted) at strength 0.40");
    const sampled = { ...recipe, madeFrom: "REFERENCE" as const, referenceName: "Kick 01.wav", strength: 0.6 };
    expect(recipeRows(sampled).at(-1)?.value).toBe("Your sample “Kick 01.wav” at strength 0.60 (the sample was not kept)");
  });

  it("admits what a kick made before recipes were kept does not know", () => {
    const old = { ...recipe, modelName: "", modelVersion: "", understoodWords: [], ignoredWords: [], steps: null, guidance: null };
    const rows = recipeRows(old);
    expect(rows[0]?.value).toBe("Unknown (made before recipes were kept)");
    expect(rows[2]?.value).toBe("unknown");
    expect(rows[5]?.value).toBe("unknown");
  });
});
