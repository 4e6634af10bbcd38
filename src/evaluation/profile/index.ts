/**
 * Dataset profiles: what a dataset holds and what is wrong with it, before any training.
 */
export { profileFile, type ProfileOptions } from "./profile.js";
export { FLAG_THRESHOLDS, formatFlag } from "./flags.js";
export { renderProfileHtml } from "./html.js";
export type * from "./types.js";
