/**
 * The one AudioContext of the page. Browsers start it suspended until a user gesture, so it is
 * resumed by the first pointer or key press anywhere.
 */
let shared: AudioContext | null = null;

export function sharedAudioContext(): AudioContext {
  if (!shared) {
    shared = new AudioContext({ latencyHint: "interactive" });
    const resume = () => {
      void shared?.resume();
      window.removeEventListener("pointerdown", resume, true);
      window.removeEventListener("keydown", resume, true);
    };
    window.addEventListener("pointerdown", resume, true);
    window.addEventListener("keydown", resume, true);
  }
  return shared;
}
