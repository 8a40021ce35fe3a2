/** A kick's recipe as the API serves it, for tests; `overrides` change what a test is about. */
import type { Recipe } from "./words";

export function testRecipe(overrides: Partial<Recipe> = {}): Recipe {
  return {
    modelName: "kick-gen-v3",
    modelVersion: "78ea4b9952a2",
    prompt: "hit house",
    understoodWords: ["hit", "house"],
    ignoredWords: [],
    seed: "1",
    sampler: "distilled",
    steps: 4,
    guidance: 3,
    madeFrom: "NOTHING",
    parentId: null,
    parentName: null,
    referenceName: null,
    strength: null,
    ...overrides,
  };
}
