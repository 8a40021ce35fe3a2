/**
 * Unit tests' knob specs, built from presetParameters as the server answers it: the JSON beside
 * this file is that answer, written by `make schema` and kept equal to it by a Python test.
 */
import served from "./presetParameters.fixture.json";
import { paramSpecs, type ServedParam } from "./params";

export const SERVED_PARAMS = served as ServedParam[];
export const TEST_PARAMS = paramSpecs(SERVED_PARAMS);
