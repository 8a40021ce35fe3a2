/**
 * Holds the DAW back until the start-up answer is in: its knobs are built from the server's
 * parameter ranges (presetParameters), so none is drawn before they are known. Until then, and
 * when the answer fails or does not match this page, the loading overlay stands alone.
 */
import { useMemo } from "react";
import { useQuery } from "urql";
import { App } from "../App";
import { ParamMismatchError, paramSpecs, type ParamSpecs } from "../audio/params";
import { dawLoadingSteps, LoadingOverlay } from "../components/LoadingOverlay";
import { StartupQuery } from "../graphql/operations";

type Params = { specs: ParamSpecs; problem: null } | { specs: null; problem: string };

export function StartupGate() {
  const [startup] = useQuery({ query: StartupQuery });
  const params = useMemo((): Params | null => {
    if (!startup.data) return null;
    try {
      return { specs: paramSpecs(startup.data.presetParameters), problem: null };
    } catch (error) {
      if (error instanceof ParamMismatchError) return { specs: null, problem: error.message };
      throw error;
    }
  }, [startup.data]);

  if (startup.data && params?.specs) return <App startup={startup.data} params={params.specs} />;
  return (
    <div className="app app--daw">
      <LoadingOverlay steps={dawLoadingSteps({ presets: false, samples: false, engine: false })} error={startup.error?.message ?? params?.problem ?? null} />
    </div>
  );
}
