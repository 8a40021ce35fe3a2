/** Saves a kick's WAV under a readable name; fetched as a blob so cross-origin storage URLs download too. */
import { downloadFileName, type AiKick } from "./kicks";

export async function downloadKick(kick: AiKick): Promise<void> {
  const response = await fetch(kick.audioUrl);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = downloadFileName(kick);
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy once the click's task is over.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
