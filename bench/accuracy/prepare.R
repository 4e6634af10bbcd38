# Exports the R data sets of the accuracy benchmark (Debian's r-cran-mlbench and r-cran-modeldata) as CSV,
# one file per data set with the label renamed "target", missing values as empty fields, factors as their
# level text (so a level like "3" reads back as a number, as it would for any user of the CSV).
# Rows whose label is missing are dropped. Identifier columns are dropped.
# usage: Rscript bench/accuracy/prepare.R OUT_DIR
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
dir.create(out, recursive = TRUE, showWarnings = FALSE)
suppressPackageStartupMessages({ library(mlbench); library(modeldata) })

fromMlbench <- function(name) { e <- new.env(); data(list = name, package = "mlbench", envir = e); get(name, envir = e) }
fromModeldata <- function(name) { e <- new.env(); data(list = name, package = "modeldata", envir = e); as.data.frame(get(name, envir = e)) }

write <- function(d, name, target, drop = character(0)) {
  d <- as.data.frame(d)
  d <- d[, setdiff(names(d), drop), drop = FALSE]
  y <- d[[target]]
  d[[target]] <- NULL
  d$target <- y
  d <- d[!is.na(d$target), , drop = FALSE]
  # Ordered factors and factors alike are written as their labels.
  for (col in names(d)) if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
  cat(sprintf("%-20s %6d rows %4d features\n", name, nrow(d), ncol(d) - 1))
}

write(fromMlbench("PimaIndiansDiabetes2"), "pima_diabetes", "diabetes")
write(fromMlbench("BreastCancer"), "breast_cancer_wisc", "Class", drop = "Id")
write(fromMlbench("Sonar"), "sonar", "Class")
write(fromMlbench("Ionosphere"), "ionosphere", "Class")
write(fromMlbench("HouseVotes84"), "house_votes", "Class")
write(fromMlbench("Glass"), "glass", "Type")
write(fromMlbench("Vehicle"), "vehicle", "Class")
write(fromMlbench("Satellite"), "satellite", "classes")
write(fromMlbench("Soybean"), "soybean", "Class")
write(fromMlbench("LetterRecognition"), "letter", "lettr")
write(fromMlbench("BostonHousing"), "boston_housing", "medv")
write(fromMlbench("Ozone"), "ozone", "V4")
write(fromMlbench("Servo"), "servo", "Class")
write(fromModeldata("credit_data"), "credit_data", "Status")
write(fromModeldata("attrition"), "attrition", "Attrition")
write(fromModeldata("mlc_churn"), "mlc_churn", "churn")
write(fromModeldata("hpc_data"), "hpc_data", "class")
write(fromModeldata("ames"), "ames", "Sale_Price")
write(fromModeldata("concrete"), "concrete", "compressive_strength")
write(fromModeldata("Sacramento"), "sacramento", "price")
