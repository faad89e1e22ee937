// The REST API's answer types, for the dashboard page: inferred from the API's own zod schemas, so the
// page's view of an answer cannot drift from what the server sends. Types only: nothing here runs.

import type { z } from 'zod';
import type {
  changeAnswer,
  definitionChange,
  errorResponse,
  resultJson,
  resultsPage,
  statusAnswer,
  topPage,
  windowsList,
  windowView,
} from '../api/schemas.js';

/** One window result, as in the job's results file (`count`, `sum_value`, … one field per output of its window). */
export type ResultJson = z.infer<typeof resultJson>;
/** GET /windows/{name}/results */
export type ResultsPage = z.infer<typeof resultsPage>;
/** GET /windows/{name}/top */
export type TopPage = z.infer<typeof topPage>;
/** One entry of GET /windows */
export type WindowView = z.infer<typeof windowView>;
/** GET /windows */
export type WindowsList = z.infer<typeof windowsList>;
/** GET /status */
export type StatusAnswer = z.infer<typeof statusAnswer>;
/** One change of the job's definition (in /status and in control answers). */
export type DefinitionChange = z.infer<typeof definitionChange>;
/** POST /windows, PATCH /windows/{name} */
export type ChangeAnswer = z.infer<typeof changeAnswer>;
/** Every error answer. */
export type ErrorAnswer = z.infer<typeof errorResponse>;
