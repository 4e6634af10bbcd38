# The wide sets of the forest benchmark (node bench/forest/run.mjs --wide), exported from R's modeldata
# package as CSV into the directory given: pd_speech (252 x 751, binary), ad_data (333 x 130, binary),
# cells (2019 x 56, binary), meats (215 x 100, regression: protein) and Chicago (5698 x 49, regression:
# ridership). Factors are written as their labels; bench/forest/wide.py turns the files into the
# benchmark's prepared sets.
# usage: Rscript bench/forest/wide-sets.R DIR
suppressPackageStartupMessages(library(modeldata))
out <- commandArgs(trailingOnly = TRUE)[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
get_set <- function(name) { e <- new.env(); data(list = name, package = "modeldata", envir = e); as.data.frame(get(name, envir = e)) }
put <- function(d, name) {
  for (col in names(d)) if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
}
put(get_set("pd_speech"), "pd_speech")
put(get_set("ad_data"), "ad_data")
put(get_set("cells"), "cells")
put(get_set("meats"), "meats")
put(get_set("Chicago"), "chicago")
