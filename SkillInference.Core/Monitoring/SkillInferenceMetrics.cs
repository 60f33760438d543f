using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SkillInference.Monitoring;

/// <summary>The <c>SkillInference</c> meter's instruments. Tags never carry student ids or feature values.</summary>
internal sealed class SkillInferenceMetrics : IDisposable
{
    public const string MeterName = "SkillInference";

    private readonly Meter _meter;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _predictions;
    private readonly Counter<long> _modelLoads;
    private readonly Counter<long> _cacheLookups;
    private int _cacheObserved;

    public SkillInferenceMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _duration = _meter.CreateHistogram<double>(
            "skillinference.inference.duration",
            unit: "s",
            description: "Time to score one request (a batch group counts once), by skill, model version, variant and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
        _predictions = _meter.CreateCounter<long>("skillinference.predictions", unit: "{prediction}", description: "Predictions made, by skill, model version, variant and outcome.");
        _modelLoads = _meter.CreateCounter<long>("skillinference.model.loads", unit: "{load}", description: "Model loads, by skill, model version and outcome (success, failure).");
        _cacheLookups = _meter.CreateCounter<long>("skillinference.cache.lookups", unit: "{lookup}", description: "Cache lookups of requests with a student id, by skill and result (memory, distributed, miss); hit rate = (memory + distributed) / all.");
    }

    public Meter Meter => _meter;

    /// <summary>
    /// Publishes the cache's state as gauges (once per meter): <c>skillinference.cache.available</c> (1 when the cache
    /// and its shared layer are usable, 0 while degraded — e.g. Redis down, served from memory and computation) and
    /// <c>skillinference.cache.memory_entries</c>, both tagged with the cache kind.
    /// </summary>
    public void ObserveCache(Caching.IInferenceCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (Interlocked.Exchange(ref _cacheObserved, 1) == 1)
        {
            return;
        }

        _meter.CreateObservableGauge(
            "skillinference.cache.available",
            () => { var s = cache.Status; return new Measurement<int>(s.Healthy ? 1 : 0, new KeyValuePair<string, object?>("kind", s.Kind)); },
            unit: "{state}",
            description: "1 when the result cache (with its shared layer, if any) is usable; 0 while it is degraded and requests are served from memory and computation.");
        _meter.CreateObservableGauge(
            "skillinference.cache.memory_entries",
            () => { var s = cache.Status; return new Measurement<long>(s.MemoryEntries, new KeyValuePair<string, object?>("kind", s.Kind)); },
            unit: "{entry}",
            description: "Entries in the in-process cache layer.");
    }

    public void RecordPredictions(string skill, string version, string variant, string outcome, long count, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "skill", skill },
            { "model_version", version },
            { "variant", variant },
            { "outcome", outcome },
        };
        _predictions.Add(count, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    public void RecordCacheLookups(string skill, Caching.CacheLayer layer, long count) =>
        _cacheLookups.Add(count, new TagList
        {
            { "skill", skill },
            { "result", layer switch { Caching.CacheLayer.Memory => "memory", Caching.CacheLayer.Distributed => "distributed", _ => "miss" } },
        });

    public void RecordModelLoad(string skill, string version, bool success) =>
        _modelLoads.Add(1, new TagList { { "skill", skill }, { "model_version", version }, { "outcome", success ? "success" : "failure" } });

    public void Dispose() => _meter.Dispose();
}
