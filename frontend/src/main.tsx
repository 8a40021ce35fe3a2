import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "urql";
import { StartupGate } from "./daw/StartupGate";
import { createGraphqlClient } from "./graphql/client";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element.");

createRoot(root).render(
  <StrictMode>
    <Provider value={createGraphqlClient()}>
      <StartupGate />
    </Provider>
  </StrictMode>,
);
