// `ngdsim export FILE.h5 --csv DIR`: a run's or a sweep's results as tidy CSV files for R,
// spreadsheets and anything else that does not read HDF5 (docs/cli.md, "export").
#pragma once

#include <ostream>
#include <string>

namespace ngdsim {

// Writes DIR/summary.csv (a row per eps: the estimates at K and the settling quantiles)
// and DIR/steps.csv (a row per recorded step and eps: the estimates at that step and the
// quantiles of every quantity); a sweep's rows start with its point and varied settings.
// Existing files are replaced only with `force`. Lists the files written on `out`.
void export_csv(const std::string& path, const std::string& dir, bool force, std::ostream& out);

}  // namespace ngdsim
