// The pattern decision behind diagnose(): exposed (detail) so diagnose_process can reuse the facts
// it computed (level, significance) when it names fragmentation.
#pragma once

#include "diagnosis/diagnosis.hpp"
#include "diagnosis/summary_text.hpp"

namespace leakscope::diagnosis::detail {

struct DetailedDiagnosis {
    Diagnosis diagnosis;
    SummaryFacts facts;
    bool growing = false;  ///< significant, positive and above the practical floor
};

DetailedDiagnosis diagnose_detailed(const Series& series, const Options& options);

}  // namespace leakscope::diagnosis::detail
