// leakscope.Monitor for Python: the C++ in-process monitor (include/leakscope/monitor.hpp) with Python
// samplers and finding callbacks. Those run on the monitor's thread, so they take the GIL; every call
// that may wait for that thread (stop, the destructor, sample_now, analyze_now) lets the GIL go first,
// or a sampler waiting for the GIL and a Python thread joining the monitor would wait for each other.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "leakscope/monitor.hpp"
#include "python/native/bindings.hpp"

namespace py = pybind11;

namespace leakscope::python {

namespace {

py::dict finding_dict(const Finding& f) {
    py::dict out;
    out["gauge"] = f.gauge;
    out["kind"] = std::string(to_string(f.kind));
    out["pattern"] = std::string(to_string(f.pattern));
    out["severity"] = std::string(to_string(f.severity));
    out["rate_bytes_per_s"] = f.rate_bytes_per_s;
    out["rate_ci_low_bytes_per_s"] = f.rate_ci_low_bytes_per_s;
    out["rate_ci_high_bytes_per_s"] = f.rate_ci_high_bytes_per_s;
    out["usual_rate_bytes_per_s"] = f.usual_rate_bytes_per_s;
    out["baseline_bytes"] = f.baseline_bytes;
    out["current_bytes"] = f.current_bytes;
    out["current_entries"] = f.current_entries;
    out["period_s"] = f.period_s;
    out["time_to_limit_s"] = f.time_to_limit_s;
    out["fraction_above_threshold"] = f.fraction_above_threshold;
    out["t_s"] = f.t_s;
    out["summary"] = f.summary;
    out["advice"] = f.advice;
    return out;
}

py::dict status_dict(const GaugeStatus& s) {
    py::dict out;
    out["name"] = s.name;
    out["current_bytes"] = s.current_bytes;
    out["current_entries"] = s.current_entries;
    out["observations"] = s.observations;
    out["history_points"] = s.history_points;
    out["first_t_s"] = s.first_t_s;
    out["last_t_s"] = s.last_t_s;
    out["pattern"] = std::string(to_string(s.pattern));
    out["leak"] = s.leak;
    out["steady_rate_bytes_per_s"] = s.steady_rate_bytes_per_s;
    py::list active;
    for (const Finding& f : s.active) active.append(finding_dict(f));
    out["active"] = active;
    return out;
}

/// Owns the monitor; destroying it joins the monitor's thread, so that happens without the GIL.
class PyMonitor {
public:
    explicit PyMonitor(MonitorOptions options) : monitor_(std::make_unique<Monitor>(std::move(options))) {}
    ~PyMonitor() {
        py::gil_scoped_release release;
        monitor_.reset();
    }
    PyMonitor(const PyMonitor&) = delete;
    PyMonitor& operator=(const PyMonitor&) = delete;

    Gauge gauge(const std::string& name, std::optional<py::function> sampler, std::optional<double> high_usage_bytes,
                std::optional<double> limit_bytes) {
        if (name.empty()) throw py::value_error("a gauge needs a name");
        GaugeOptions options{high_usage_bytes, limit_bytes};
        if (!sampler) return monitor_->gauge(name, options);
        // The function object is shared so that copies made on the monitor's thread need no GIL.
        auto held = std::shared_ptr<py::function>(new py::function(std::move(*sampler)), [](py::function* f) {
            py::gil_scoped_acquire acquire;
            delete f;
        });
        return monitor_->gauge(name, [held]() -> GaugeReading {
            py::gil_scoped_acquire acquire;
            const py::object value = (*held)();
            // A sampler returns bytes, or (bytes, entries).
            if (py::isinstance<py::tuple>(value)) {
                const auto pair = value.cast<py::tuple>();
                if (pair.size() != 2) throw std::invalid_argument("a sampler returns bytes or (bytes, entries)");
                return GaugeReading{pair[0].cast<double>(), pair[1].is_none() ? std::nullopt
                                                                              : std::optional(pair[1].cast<double>())};
            }
            return GaugeReading{value.cast<double>(), std::nullopt};
        }, options);
    }

    void on_finding(py::function callback) {
        auto held = std::shared_ptr<py::function>(new py::function(std::move(callback)), [](py::function* f) {
            py::gil_scoped_acquire acquire;
            delete f;
        });
        monitor_->on_finding([held](const Finding& finding) {
            py::gil_scoped_acquire acquire;
            try {
                (*held)(finding_dict(finding));
            } catch (py::error_already_set& error) {
                // A failing callback must not end the monitor's thread; Python shows it as unraisable.
                error.discard_as_unraisable("leakscope.Monitor finding callback");
            }
        });
    }

    Monitor& get() { return *monitor_; }

private:
    std::unique_ptr<Monitor> monitor_;
};

}  // namespace

void bind_monitor(py::module_& module) {
    py::class_<Gauge>(module, "Gauge")
        .def("observe", [](const Gauge& g, double bytes, std::optional<double> entries) {
            if (entries) g.observe(bytes, *entries); else g.observe(bytes);
        }, py::arg("bytes"), py::arg("entries") = py::none())
        .def("observe_at", &Gauge::observe_at, py::arg("t_s"), py::arg("bytes"), py::arg("entries") = py::none())
        .def_property_readonly("name", &Gauge::name);

    py::class_<PyMonitor>(module, "Monitor")
        .def(py::init([](double sample_interval_s, double analysis_interval_s, bool watch_rss, double coalesce_s,
                         std::size_t min_points, std::optional<double> rss_high_usage_bytes,
                         std::optional<double> rss_limit_bytes) {
            MonitorOptions options;
            options.sample_interval_s = sample_interval_s;
            options.analysis_interval_s = analysis_interval_s;
            options.watch_rss = watch_rss;
            options.coalesce_s = coalesce_s;
            options.min_points = min_points;
            options.rss = GaugeOptions{rss_high_usage_bytes, rss_limit_bytes};
            return std::make_unique<PyMonitor>(std::move(options));
        }), py::arg("sample_interval_s") = 30.0, py::arg("analysis_interval_s") = 60.0, py::arg("watch_rss") = true,
             py::arg("coalesce_s") = 1.0, py::arg("min_points") = 12, py::arg("rss_high_usage_bytes") = py::none(),
             py::arg("rss_limit_bytes") = py::none())
        .def("gauge", &PyMonitor::gauge, py::arg("name"), py::arg("sampler") = py::none(),
             py::arg("high_usage_bytes") = py::none(), py::arg("limit_bytes") = py::none())
        .def("on_finding", &PyMonitor::on_finding, py::arg("callback"))
        .def("start", [](PyMonitor& m) { m.get().start(); })
        .def("stop", [](PyMonitor& m) { m.get().stop(); }, py::call_guard<py::gil_scoped_release>())
        .def_property_readonly("running", [](PyMonitor& m) { return m.get().running(); })
        .def("sample_now", [](PyMonitor& m) { m.get().sample_now(); }, py::call_guard<py::gil_scoped_release>())
        .def("analyze_now", [](PyMonitor& m) {
            std::vector<Finding> findings;
            {
                py::gil_scoped_release release;
                findings = m.get().analyze_now();
            }
            py::list out;
            for (const Finding& f : findings) out.append(finding_dict(f));
            return out;
        })
        .def("status", [](PyMonitor& m) {
            py::list out;
            for (const GaugeStatus& s : m.get().status()) out.append(status_dict(s));
            return out;
        })
        .def("now", [](PyMonitor& m) { return m.get().now(); });
}

}  // namespace leakscope::python
