/**
 * learnloop/data: reading files into columnar Datasets, and splitting rows for training and evaluation.
 */
export { readDataset, type ReadOptions } from "./read.js";
export { schemaOf, featureSpecsOf, targetSpecOf } from "./schema.js";
export { groupKFold, holdoutSplit, kFold, stratifiedKFold, takeRows, timeSplit, type Split } from "./split.js";
export { formatOf, supportedExtensions, type FileFormat } from "./formats.js";
export { fingerprintOf } from "./fingerprint.js";
