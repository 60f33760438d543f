using SkillInference.Bundles;
using SkillInference.Loading;

namespace SkillInference.Monitoring;

/// <summary>
/// The online histograms of one model (skill and version) over a rolling window of time buckets: for each bucket, a
/// flat array of counts (the score's bins against the reference's, then each referenced feature's bins) and the
/// latency of each scored group in fixed log-spaced bins. Rows are counted with <see cref="Interlocked"/> increments
/// (no lock, no allocation per row); a lock is taken only when a bucket rolls over, once per bucket. No student data is
/// kept: counts only.
/// </summary>
internal sealed class DriftCounters
{
    /// <summary>Latency bin upper bounds in seconds (the last bin is everything above the last bound).</summary>
    public static readonly double[] LatencyBounds = [0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Bucket[] _buckets;
    private readonly long _bucketTicks;
    private readonly double[] _scoreEdges;
    private readonly long[] _scoreReference;
    private readonly int[] _featureIndex;
    private readonly string[] _featureNames;
    private readonly double[][] _featureEdges;
    private readonly long[][] _featureReference;
    private readonly int[] _featureOffset;
    private readonly double[] _mean;
    private readonly double[] _scale;
    private readonly ScaledBins? _scoreBins;
    private readonly ScaledBins? _featureBins;
    private readonly int _width;
    private readonly Lock _roll = new();

    public DriftCounters(LoadedModel model, TimeSpan window, TimeSpan bucket)
    {
        ArgumentNullException.ThrowIfNull(model);
        Skill = model.Skill;
        Version = model.Version;
        var reference = model.Manifest.Reference;
        _scoreEdges = reference.Score is { } score ? [.. score.Edges] : [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
        _scoreReference = reference.Score is { } s ? [.. s.Counts] : [];
        var indices = new List<int>();
        for (var i = 0; i < model.Names.Length; i++)
        {
            if (reference.Features.TryGetValue(model.Names[i], out var h) && h.Edges.Count >= 2)
            {
                indices.Add(i);
            }
        }

        _featureIndex = [.. indices];
        _featureNames = [.. indices.Select(i => model.Names[i])];
        _featureEdges = [.. indices.Select(i => reference.Features[model.Names[i]].Edges.ToArray())];
        _featureReference = [.. indices.Select(i => ExpectedAfterImputation(model.Manifest, model.Names[i], reference.Features[model.Names[i]]))];
        _featureOffset = new int[indices.Count];
        var width = _scoreEdges.Length - 1;
        for (var f = 0; f < indices.Count; f++)
        {
            _featureOffset[f] = width;
            width += _featureEdges[f].Length - 1;
        }

        _width = width;
        var scaler = model.Manifest.Scaler;
        _mean = scaler is null ? new double[model.Names.Length] : [.. scaler.Mean];
        _scale = scaler is null ? [.. Enumerable.Repeat(1.0, model.Names.Length)] : [.. scaler.Scale];
        _scoreBins = ScaledBins.ForRawValues([_scoreEdges]);
        _featureBins = ScaledBins.ForScaledFeatures(_featureEdges, [.. _featureIndex.Select(i => _scale[i])], [.. _featureIndex.Select(i => _mean[i])]);
        _bucketTicks = bucket.Ticks;
        _buckets = new Bucket[Math.Max(1, (int)(window.Ticks / bucket.Ticks))];
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new Bucket(_width);
        }
    }

    public string Skill { get; }

    /// <summary>The features with a reference histogram, in the model's order: what <see cref="FeatureBin"/> indexes.</summary>
    internal IReadOnlyList<string> ReferencedFeatures => _featureNames;

    /// <summary>
    /// What live traffic should look like once prepared: the reference counts only present values, but a feature with
    /// an imputation rule (median, mean, constant) reaches the model with its missing values replaced, so the
    /// reference's missing count belongs in the bin of the imputed value. With the native rule they stay NaN (not counted).
    /// </summary>
    private static long[] ExpectedAfterImputation(BundleManifest manifest, string name, Histogram histogram)
    {
        var counts = histogram.Counts.ToArray();
        var spec = manifest.Features.FirstOrDefault(f => f.Name == name);
        var stats = manifest.Statistics.FirstOrDefault(f => f.Name == name);
        var imputed = spec?.Missing.Rule switch
        {
            Schema.MissingValueStrategy.Median => stats?.Median,
            Schema.MissingValueStrategy.Mean => stats?.Mean,
            Schema.MissingValueStrategy.Constant => spec.Missing.Value,
            _ => null,
        };
        if (imputed is { } value && histogram.Missing > 0 && double.IsFinite(value))
        {
            counts[Histogram.BinOf(value, histogram.Edges)] += histogram.Missing;
        }

        return counts;
    }

    public string Version { get; }

    /// <summary>Counts one scored group (called on the request path).</summary>
    public void Add(in ScoredGroup group, DateTimeOffset now)
    {
        var bucket = Current(now);
        var counts = bucket.Counts;
        var probabilities = group.Probabilities;
        long scored;
        if (probabilities.Length < LocalCountingRows || _width > MaxLocalCounts)
        {
            scored = Count(group, new Increment(counts));
        }
        else
        {
            // A block of rows is counted locally first, then added with one atomic add per bin it touched: the
            // instances of every core no longer fight over the same counters row by row.
            Span<long> local = stackalloc long[_width];
            local.Clear();
            scored = Count(group, new Local(local));
            for (var i = 0; i < local.Length; i++)
            {
                if (local[i] != 0)
                {
                    Interlocked.Add(ref counts[i], local[i]);
                }
            }
        }

        Interlocked.Add(ref bucket.Rows, scored);
        Interlocked.Add(ref bucket.Cached, group.Cached);
        if (probabilities.Length > 0)
        {
            Interlocked.Increment(ref bucket.Latency[LatencyBin(group.Elapsed.TotalSeconds)]);
        }
    }

    /// <summary>Counts each scored row's score and feature values into their bins; returns the rows counted.</summary>
    private long Count<TCounter>(in ScoredGroup group, TCounter counter)
        where TCounter : ICounter, allows ref struct
    {
        var rows = group.Rows;
        var probabilities = group.Probabilities;
        var width = group.FeatureCount;
        long scored = 0;
        for (var r = 0; r < probabilities.Length; r++)
        {
            var p = probabilities[r];
            if (float.IsNaN(p))
            {
                continue;
            }

            scored++;
            counter.Add(ScoreBin(p));
            var row = rows.Slice(r * width, width);
            for (var f = 0; f < _featureIndex.Length; f++)
            {
                var value = row[_featureIndex[f]];
                if (!float.IsNaN(value))
                {
                    counter.Add(_featureOffset[f] + FeatureBin(f, value));
                }
            }
        }

        return scored;
    }

    /// <summary>The bin of a probability (not NaN) against the score's reference edges.</summary>
    internal int ScoreBin(float probability) => _scoreBins is { } bins ? bins.BinOf(0, probability) : BinOf(probability, _scoreEdges);

    /// <summary>
    /// The bin of the <paramref name="f"/>-th referenced feature's value (scaled as the model sees it, not NaN) against
    /// its reference of raw values. The bins were moved into the row's space once (<see cref="ScaledBins"/>); only a
    /// reference whose edges are out of order is still unscaled and searched value by value.
    /// </summary>
    internal int FeatureBin(int f, float value) => _featureBins is { } bins
        ? bins.BinOf(f, value)
        : BinOf(ScaledBins.Unscaled(value, _scale[_featureIndex[f]], _mean[_featureIndex[f]], nudge: true), _featureEdges[f]);

    /// <summary>Blocks of at least this many rows are counted locally before they are added.</summary>
    private const int LocalCountingRows = 8;

    /// <summary>Local counts live on the stack; a counter wider than this counts straight into the bucket.</summary>
    private const int MaxLocalCounts = 2048;

    private interface ICounter
    {
        void Add(int bin);
    }

    private readonly struct Increment(long[] counts) : ICounter
    {
        public void Add(int bin) => Interlocked.Increment(ref counts[bin]);
    }

    private readonly ref struct Local(Span<long> counts) : ICounter
    {
        private readonly Span<long> _counts = counts;

        public void Add(int bin) => _counts[bin]++;
    }

    /// <summary>The window's totals as of <paramref name="now"/>.</summary>
    public DriftSnapshot Snapshot(DateTimeOffset now, MonitoringOptions options)
    {
        var epoch = now.UtcTicks / _bucketTicks;
        var totals = new long[_width];
        var latency = new long[LatencyBounds.Length + 1];
        long rows = 0, cached = 0;
        var series = new List<DriftBucket>();
        foreach (var bucket in _buckets)
        {
            var e = Volatile.Read(ref bucket.Epoch);
            if (e <= epoch - _buckets.Length || e > epoch)
            {
                continue;
            }

            var bucketRows = Volatile.Read(ref bucket.Rows);
            var bucketCached = Volatile.Read(ref bucket.Cached);
            var bucketLatency = bucket.Latency.Select(c => Volatile.Read(ref c)).ToArray();
            series.Add(new DriftBucket(new DateTimeOffset(e * _bucketTicks, TimeSpan.Zero), bucketRows, bucketCached, Percentile(bucketLatency, 0.50), Percentile(bucketLatency, 0.99)));
            rows += bucketRows;
            cached += bucketCached;
            for (var i = 0; i < _width; i++)
            {
                totals[i] += Volatile.Read(ref bucket.Counts[i]);
            }

            for (var i = 0; i < latency.Length; i++)
            {
                latency[i] += Volatile.Read(ref bucket.Latency[i]);
            }
        }

        var scoreBins = _scoreEdges.Length - 1;
        double? scorePsi = null, scoreJs = null;
        if (_scoreReference.Length == scoreBins && rows > 0)
        {
            scorePsi = Statistics.PopulationStabilityIndex(_scoreReference, totals.AsSpan(0, scoreBins));
            scoreJs = Statistics.JensenShannon(_scoreReference, totals.AsSpan(0, scoreBins));
        }

        var features = new List<FeatureDrift>(_featureIndex.Length);
        for (var f = 0; f < _featureIndex.Length; f++)
        {
            var actual = totals.AsSpan(_featureOffset[f], _featureEdges[f].Length - 1);
            long n = 0;
            foreach (var c in actual)
            {
                n += c;
            }

            if (n > 0)
            {
                features.Add(new FeatureDrift(_featureNames[f], Statistics.PopulationStabilityIndex(_featureReference[f], actual), Statistics.JensenShannon(_featureReference[f], actual), n));
            }
        }

        var max = features.Count == 0 ? (double?)null : features.Max(d => d.Psi);
        var worst = Math.Max(scorePsi ?? 0, max ?? 0);
        var state = rows < options.DriftMinimumSample || scorePsi is null && max is null
            ? ValidationStates.InsufficientData
            : worst >= options.PsiAlert ? ValidationStates.Alert : worst >= options.PsiWatch ? "watch" : ValidationStates.Ok;
        return new DriftSnapshot(
            Skill,
            Version,
            rows,
            scorePsi,
            scoreJs,
            [.. features.OrderByDescending(d => d.Psi)],
            state,
            [.. totals.AsSpan(0, scoreBins).ToArray()],
            _scoreReference,
            _scoreEdges,
            Percentile(latency, 0.50),
            Percentile(latency, 0.99),
            latency.Sum(),
            cached,
            [.. series.OrderBy(b => b.Start)]);
    }

    private Bucket Current(DateTimeOffset now)
    {
        var epoch = now.UtcTicks / _bucketTicks;
        var bucket = _buckets[(int)(epoch % _buckets.Length)];
        if (Volatile.Read(ref bucket.Epoch) != epoch)
        {
            lock (_roll)
            {
                if (bucket.Epoch != epoch)
                {
                    Array.Clear(bucket.Counts);
                    Array.Clear(bucket.Latency);
                    bucket.Rows = 0;
                    bucket.Cached = 0;
                    Volatile.Write(ref bucket.Epoch, epoch);
                }
            }
        }

        return bucket;
    }

    private static int BinOf(double value, double[] edges)
    {
        // Bins are [e_i, e_i+1); values outside go to the first or last bin (as Histogram.BinOf).
        var last = edges.Length - 2;
        if (!(value >= edges[1]))
        {
            return 0;
        }

        if (value >= edges[last])
        {
            return last;
        }

        int lo = 1, hi = last - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >> 1;
            if (value >= edges[mid])
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    private static int LatencyBin(double seconds)
    {
        for (var i = 0; i < LatencyBounds.Length; i++)
        {
            if (seconds <= LatencyBounds[i])
            {
                return i;
            }
        }

        return LatencyBounds.Length;
    }

    /// <summary>The upper bound of the bin holding quantile <paramref name="q"/> (as Prometheus' histogram_quantile bounds it); null when empty.</summary>
    private static double? Percentile(long[] bins, double q)
    {
        var total = bins.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < bins.Length; i++)
        {
            seen += bins[i];
            if (seen >= rank)
            {
                return i < LatencyBounds.Length ? LatencyBounds[i] : double.PositiveInfinity;
            }
        }

        return double.PositiveInfinity;
    }

    private sealed class Bucket(int width)
    {
        public long Epoch = -1;
        public long Rows;
        public long Cached;
        public readonly long[] Counts = new long[width];
        public readonly long[] Latency = new long[LatencyBounds.Length + 1];
    }
}
