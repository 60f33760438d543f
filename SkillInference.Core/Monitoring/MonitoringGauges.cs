using System.Diagnostics.Metrics;

namespace SkillInference.Monitoring;

/// <summary>
/// Monitoring's state as gauges on the <c>SkillInference</c> meter, read from the latest snapshots (swapped whole, so a
/// scrape never sees half an update): validation r and n, drift PSI, open alerts; plus a counter of alert transitions.
/// </summary>
internal sealed class MonitoringGauges
{
    private readonly Counter<long> _transitions;
    private volatile IReadOnlyList<ValidationResult> _validation = [];
    private volatile IReadOnlyDictionary<(string Kind, string Skill, string Version), double> _alerts = new Dictionary<(string, string, string), double>();
    private volatile IReadOnlyList<(string Skill, string Version, string Target, double Psi)> _drift = [];
    private readonly Lock _alertLock = new();

    public MonitoringGauges(SkillInferenceMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var meter = metrics.Meter;
        _transitions = meter.CreateCounter<long>("skillinference.alerts.transitions", unit: "{transition}", description: "Alerts opened and cleared, by kind, skill, model version and state (open, cleared).");
        meter.CreateObservableGauge("skillinference.alerts.open", () => _alerts.Select(a => new Measurement<double>(a.Value, Tags(("kind", a.Key.Kind), ("skill", a.Key.Skill), ("model_version", a.Key.Version)))), unit: "{alert}", description: "1 while an alert of the kind, skill and model version is open, 0 once it cleared.");
        meter.CreateObservableGauge("skillinference.validation.pearson_r", () => _validation.Where(v => v.PearsonR is not null).Select(v => new Measurement<double>(v.PearsonR!.Value, ValidationTags(v))), description: "Pearson r of scores against teacher ratings at the last validation, by skill, model version and variant.");
        meter.CreateObservableGauge("skillinference.validation.pairs", () => _validation.Select(v => new Measurement<long>(v.N, ValidationTags(v))), unit: "{pair}", description: "Rated pairs behind the last validation's r.");
        meter.CreateObservableGauge("skillinference.validation.coverage", () => _validation.Where(v => v.Coverage is not null).Select(v => new Measurement<double>(v.Coverage!.Value, ValidationTags(v))), description: "Rated share of assessed students at the last validation.");
        meter.CreateObservableGauge("skillinference.drift.psi", () => _drift.Select(d => new Measurement<double>(d.Psi, Tags(("skill", d.Skill), ("model_version", d.Version), ("target", d.Target)))), description: "PSI of live traffic over the rolling window against the bundle's reference: target score, or feature_max (the highest of any feature).");
    }

    public void SetValidation(IReadOnlyList<ValidationResult> results) => _validation = results;

    public void SetDrift(IReadOnlyList<(string Skill, string Version, string Target, double Psi)> drift) => _drift = drift;

    public void AlertChanged(MonitoringAlert alert)
    {
        lock (_alertLock)
        {
            var next = new Dictionary<(string, string, string), double>(_alerts)
            {
                [(alert.Kind, alert.Skill, alert.ModelVersion)] = alert.State == AlertKinds.Open ? 1 : 0,
            };
            _alerts = next;
        }
    }

    public void Transition(MonitoringAlert alert) =>
        _transitions.Add(1, Tags(("kind", alert.Kind), ("skill", alert.Skill), ("model_version", alert.ModelVersion), ("state", alert.State)));

    private static KeyValuePair<string, object?>[] ValidationTags(ValidationResult v) => Tags(("skill", v.Skill), ("model_version", v.ModelVersion), ("variant", v.Variant));

    private static KeyValuePair<string, object?>[] Tags(params (string Key, string Value)[] tags) => [.. tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value))];
}
