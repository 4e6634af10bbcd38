/**
 * The model card: a saved model's figures on labelled data (metrics with intervals and a baseline,
 * curves, confusion matrix, permutation importance, the decision threshold) or from its file alone, as
 * data and as a self-contained HTML page.
 *
 * @example
 * import { buildModelReport, renderReportHtml } from "./evaluation/report/index.js";
 * const html = await renderReportHtml(buildModelReport(model, header, data, { modelFile: "weather.model" }));
 */
export { buildModelReport, defaultResamples, type ModelReport, type Omission, type ReportFeature, type ReportOptions } from "./build.js";
export { calibrationCurve, rankingCurves, type CalibrationBin, type CurvePoints } from "./curves.js";
export { renderReportHtml } from "./html.js";
export { permutationImportance, type PermutationImportance, type PermutationOptions, type PermutationReport } from "./permutation.js";
