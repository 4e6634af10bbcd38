/**
 * Fitted feature transforms shared by the model families: schema building and checking, mean imputation
 * with missing indicators, standardization, one-hot encoding, and the design matrix they make together.
 */
export { checkFeatures } from "./schema.js";
export { MeanImputer, type MeanImputerState } from "./imputer.js";
export { Standardizer, type StandardizerState } from "./standardizer.js";
export { OneHotEncoder, type OneHotState } from "./one-hot.js";
export {
  DesignTransform,
  designMatrix,
  encodeDesign,
  fitDesign,
  type CategoricalFeatureState,
  type DesignColumnKind,
  type DesignOptions,
  type DesignState,
  type EncodedDesign,
  type NumericFeatureState,
} from "./design.js";
