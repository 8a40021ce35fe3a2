/**
 * The keyword chips: one style, one word of each opposite pair, and the model's other words, each
 * a toggle button. The vocabulary is the deployed model's own (kickVocabulary).
 */
import { toggleWord, type KickVocabulary } from "./words";

export interface KeywordChipsProps {
  vocabulary: KickVocabulary;
  words: readonly string[];
  onChange: (words: string[]) => void;
}

export function KeywordChips({ vocabulary, words, onChange }: KeywordChipsProps) {
  const chip = (word: string) => {
    const chosen = words.includes(word);
    return (
      <button key={word} type="button" className={`chip${chosen ? " chip--chosen" : ""}`} aria-pressed={chosen} onClick={() => onChange(toggleWord(words, word, vocabulary))}>
        {word}
      </button>
    );
  };
  return (
    <div className="keyword-chips" data-testid="keyword-chips">
      {vocabulary.styles.length > 0 && (
        <div className="keyword-chips__group" role="group" aria-label="Style">
          <span className="keyword-chips__label">Style</span>
          <div className="keyword-chips__row">{vocabulary.styles.map(chip)}</div>
        </div>
      )}
      {vocabulary.pairs.length > 0 && (
        <div className="keyword-chips__group" role="group" aria-label="Character">
          <span className="keyword-chips__label">Character</span>
          <div className="keyword-chips__row">
            {vocabulary.pairs.map((pair) => (
              <span key={`${pair.low}-${pair.high}`} className="keyword-chips__pair">
                {chip(pair.low)}
                {chip(pair.high)}
              </span>
            ))}
          </div>
        </div>
      )}
      {vocabulary.otherWords.length > 0 && (
        <div className="keyword-chips__group" role="group" aria-label="More words">
          <span className="keyword-chips__label">More</span>
          <div className="keyword-chips__row">{vocabulary.otherWords.map(chip)}</div>
        </div>
      )}
      <p className="keyword-chips__model">
        {vocabulary.model.name} · {vocabulary.model.version}
      </p>
    </div>
  );
}
