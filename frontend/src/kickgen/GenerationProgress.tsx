/** "Generating kick..." with the live stage, the kick forming (a small spectrogram), a bar and percentage on one line of the status row; while the model loads, the first-kick note. */
import { useEffect, useRef } from "react";
import { previewPixels, type ProgressView, type SpectrogramPreview } from "./kicks";

export function GenerationProgress({ progress }: { progress: ProgressView }) {
  return (
    <div className="kickgen-progress" data-testid="generation-progress">
      <strong className="kickgen-progress__title">Generating kick...</strong>
      {progress.preview && <KickPreview preview={progress.preview} />}
      <div
        className="kickgen-progress__track"
        role="progressbar"
        aria-label="Kick generation"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress.percent}
        aria-valuetext={`${progress.label}, ${progress.percent}%`}
        data-stage={progress.stage}
      >
        <div className="kickgen-progress__fill" style={{ width: `${progress.percent}%` }} />
      </div>
      <span className="kickgen-progress__stage" aria-live="polite">
        {progress.label} · {progress.percent}%
      </span>
      {progress.note && <span className="kickgen-progress__note">{progress.note}</span>}
    </div>
  );
}

/** The latest picture of the kick as the sampler sees it, drawn pixel for pixel and scaled by CSS. */
function KickPreview({ preview }: { preview: SpectrogramPreview }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context) return;
    context.putImageData(new ImageData(previewPixels(preview), preview.frames, preview.mels), 0, 0);
  }, [preview]);
  return <canvas ref={canvas} className="kickgen-progress__preview" width={preview.frames} height={preview.mels} role="img" aria-label="The kick as it forms" data-testid="generation-preview" />;
}
