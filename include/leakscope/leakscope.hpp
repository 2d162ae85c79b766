// The leakscope library: leak tests inside C++ code, an in-process memory monitor and event counting.
// GoogleTest assertions live in <leakscope/gtest.hpp>, which this header does not include.
#pragma once

#include "leakscope/cycles.hpp"
#include "leakscope/events.h"
#include "leakscope/monitor.hpp"
#include "leakscope/verdict.hpp"
