# Real high-cardinality sets from r-cran-modeldata, written as CSV for bench/highcard (run.mjs calls this).
#   grants: grant success (binary) from grants_other (train) / grants_test (test), modeldata's own split;
#           sponsor_code has 291 levels (more than 255 bins) besides ~1,500 numeric columns.
#   tate:   the year of a Tate artwork (regression) from its artist (701 levels) and medium (1,033 levels);
#           an 80/20 split with set.seed(0).
# usage: Rscript bench/highcard/prepare.R OUT_DIR
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
suppressMessages(library(modeldata))
write_set <- function(name, train, test, task) {
  dir <- file.path(out, name)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  write.csv(train, file.path(dir, "train.csv"), row.names = FALSE, na = "")
  write.csv(test, file.path(dir, "test.csv"), row.names = FALSE, na = "")
  writeLines(sprintf('{"task": "%s", "train": %d, "test": %d}', task, nrow(train), nrow(test)), file.path(dir, "meta.json"))
}
data(grants)
to_target <- function(d) { d$target <- as.character(d$class); d$class <- NULL; d$sponsor_code <- as.character(d$sponsor_code); d }
write_set("grants", to_target(as.data.frame(grants_other)), to_target(as.data.frame(grants_test)), "binary")
data(tate_text)
tate <- data.frame(artist = as.character(tate_text$artist), medium = as.character(tate_text$medium), target = tate_text$year)
set.seed(0)
in_train <- sample.int(nrow(tate), floor(0.8 * nrow(tate)))
write_set("tate", tate[in_train, ], tate[-in_train, ], "regression")
