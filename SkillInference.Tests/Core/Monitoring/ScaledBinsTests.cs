using CsCheck;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Engines.MlNet;
using SkillInference.Loading;
using SkillInference.Monitoring;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Monitoring;

/// <summary>
/// Drift's bins in the rows' scaled float space (<see cref="ScaledBins"/>) against what they replace: unscale the value
/// in double, nudge it up by a millionth, then take the bin of the raw reference's edges. Probed where a difference
/// would show — a few ulps either side of every edge's image, with and without the nudge — and at random, on the
/// sample models' references and on random ones (either sign of scale, integer edges, repeated edges).
/// </summary>
[TestClass]
public sealed class ScaledBinsTests
{
    /// <summary>What drift counted before: the raw value as the reference saw it.</summary>
    private static double Unscaled(float value, double scale, double mean)
    {
        var raw = (value * scale) + mean;
        return raw + (1e-6 * Math.Max(1, Math.Abs(raw)));
    }

    /// <summary>The bin of ascending edges holding <paramref name="raw"/>; values outside go to the first or last bin.</summary>
    private static int BinOf(double raw, double[] edges)
    {
        var bin = 0;
        for (var k = 1; k < edges.Length - 1; k++)
        {
            if (raw >= edges[k])
            {
                bin = k;
            }
        }

        return bin;
    }

    /// <summary>Floats either side of where each edge falls in the scaled space, the extremes, and random ones.</summary>
    private static IEnumerable<float> Probes(double[] edges, double scale, double mean, Random random)
    {
        var near = new List<float> { 0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, (float)(-mean / scale) };
        foreach (var e in edges)
        {
            near.Add((float)((e - mean) / scale));
            near.Add((float)(((e * (1 - 1e-6)) - mean) / scale));
            near.Add((float)((e - 1e-6 - mean) / scale));
        }

        foreach (var centre in near)
        {
            var up = centre;
            var down = centre;
            yield return centre;
            for (var i = 0; i < 24; i++)
            {
                up = MathF.BitIncrement(up);
                down = MathF.BitDecrement(down);
                yield return up;
                yield return down;
            }
        }

        for (var i = 0; i < 2000; i++)
        {
            yield return (float)(random.NextDouble() * 8 - 4);
            yield return (float)((((edges[0] - mean) / scale) * (1 - random.NextDouble())) + (((edges[^1] - mean) / scale) * random.NextDouble()));
        }
    }

    private static void AssertSameBins(ScaledBins bins, int histogram, double[] edges, double scale, double mean, string what)
    {
        var random = new Random(histogram + 17);
        foreach (var value in Probes(edges, scale, mean, random))
        {
            Assert.AreEqual(BinOf(Unscaled(value, scale, mean), edges), bins.BinOf(histogram, value), $"{what}: value {value:R} (bits 0x{BitConverter.SingleToUInt32Bits(value):X8})");
        }
    }

    private static async Task<(ModelBundle Bundle, DriftCounters Counters)> CountersAsync(string skill, Func<BundleManifest, BundleManifest>? change = null)
    {
        var bundle = await SampleStore.LoadBundleAsync(skill);
        if (change is not null)
        {
            bundle = ModelBundle.Create(change(bundle.Manifest), bundle.ModelBytes);
        }

        var model = new LoadedModel(bundle, new MlNetModelFormat().Load(bundle, ScoringEngine.Compiled), DateTimeOffset.UnixEpoch);
        return (bundle, new DriftCounters(model, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)));
    }

    [TestMethod]
    public async Task FeatureBin_EverySampleModelsReferences_IsTheBinOfTheUnscaledValue()
    {
        var checkedFeatures = 0;
        foreach (var skill in SampleStore.Catalog.Skills.Select(s => s.Id))
        {
            var (bundle, counters) = await CountersAsync(skill);
            var names = bundle.Schema.Features.Select(f => f.Name).ToList();
            var scaler = bundle.Manifest.Scaler!;
            Assert.IsNotEmpty(counters.ReferencedFeatures, skill);
            for (var f = 0; f < counters.ReferencedFeatures.Count; f++)
            {
                var name = counters.ReferencedFeatures[f];
                var i = names.IndexOf(name);
                var edges = bundle.Manifest.Reference.Features[name].Edges.ToArray();
                var random = new Random(f);
                foreach (var value in Probes(edges, scaler.Scale[i], scaler.Mean[i], random))
                {
                    Assert.AreEqual(BinOf(Unscaled(value, scaler.Scale[i], scaler.Mean[i]), edges), counters.FeatureBin(f, value), $"{skill}.{name}: {value:R}");
                }

                checkedFeatures++;
            }
        }

        Assert.IsGreaterThanOrEqualTo(50, checkedFeatures);
    }

    [TestMethod]
    public async Task ScoreBin_TheReferenceDeciles_IsTheBinOfTheProbability()
    {
        var (bundle, counters) = await CountersAsync("collaboration");
        var edges = bundle.Manifest.Reference.Score!.Edges.ToArray();
        var random = new Random(3);
        var probes = edges.SelectMany(e => new[] { (float)e, MathF.BitIncrement((float)e), MathF.BitDecrement((float)e), MathF.BitDecrement(MathF.BitDecrement((float)e)) })
            .Concat(Enumerable.Range(0, 20_000).Select(_ => random.NextSingle()))
            .Concat([0f, -0f, 1f, float.Epsilon, 0.1f, 0.3f, 0.7f, 0.9f]);
        foreach (var p in probes)
        {
            Assert.AreEqual(BinOf(p, edges), counters.ScoreBin(p), $"{p:R}");
        }
    }

    [TestMethod]
    public void BinOf_RandomReferencesAndScalers_IsTheBinOfTheUnscaledValue()
    {
        var gen =
            from count in Gen.Int[2, 14]
            from raw in Gen.Double[-1e4, 1e4].Array[count]
            from integers in Gen.Bool
            from repeat in Gen.Int[0, count - 1]
            from magnitude in Gen.Double[-7, 7]
            from negative in Gen.Bool
            from mean in Gen.Double[-1e3, 1e3]
            select (Edges: Edges(raw, integers, repeat), Scale: (negative ? -1 : 1) * Math.Exp(magnitude), Mean: mean);
        gen.Sample(c =>
        {
            var bins = ScaledBins.ForScaledFeatures([c.Edges], [c.Scale], [c.Mean]);
            Assert.IsNotNull(bins);
            AssertSameBins(bins, 0, c.Edges, c.Scale, c.Mean, $"edges [{string.Join(", ", c.Edges)}], scale {c.Scale:R}, mean {c.Mean:R}");
        }, iter: 300);

        static double[] Edges(double[] raw, bool integers, int repeat)
        {
            var edges = raw.Select(v => integers ? Math.Round(v / 100) : v).Order().ToArray();
            edges[repeat] = edges[Math.Min(repeat + 1, edges.Length - 1)];
            return [.. edges.Order()];
        }
    }

    [TestMethod]
    public void BinOf_ProbabilitiesAgainstRandomEdges_IsTheBinOfTheProbability()
    {
        Gen.Double[0, 1].Array[2, 12].Sample(raw =>
        {
            var edges = raw.Order().ToArray();
            var bins = ScaledBins.ForRawValues([edges])!;
            var random = new Random(edges.Length);
            var probes = edges.SelectMany(e => new[] { (float)e, MathF.BitIncrement((float)e), MathF.BitDecrement((float)e) }).Concat(Enumerable.Range(0, 500).Select(_ => random.NextSingle()));
            foreach (var p in probes)
            {
                Assert.AreEqual(BinOf(p, edges), bins.BinOf(0, p), $"{p:R} in [{string.Join(", ", edges)}]");
            }
        }, iter: 300);
    }

    [TestMethod]
    public async Task FeatureBin_EdgesOutOfOrder_StillTheBinTheReferenceSearchGives()
    {
        const string skill = "collaboration";
        var original = await SampleStore.LoadBundleAsync(skill);
        var name = original.Manifest.Reference.Features.Keys.First();
        var swapped = original.Manifest.Reference.Features[name].Edges.ToArray();
        (swapped[3], swapped[6]) = (swapped[6], swapped[3]);
        Assert.IsNull(ScaledBins.ForScaledFeatures([swapped], [1.0], [0.0]));

        var (bundle, counters) = await CountersAsync(skill, m => m with
        {
            Reference = m.Reference with { Features = m.Reference.Features.ToDictionary(kv => kv.Key, kv => kv.Key == name ? kv.Value with { Edges = swapped } : kv.Value) },
        });
        var names = bundle.Schema.Features.Select(f => f.Name).ToList();
        var scaler = bundle.Manifest.Scaler!;
        for (var f = 0; f < counters.ReferencedFeatures.Count; f++)
        {
            var i = names.IndexOf(counters.ReferencedFeatures[f]);
            var edges = bundle.Manifest.Reference.Features[counters.ReferencedFeatures[f]].Edges;
            foreach (var value in Probes([.. edges], scaler.Scale[i], scaler.Mean[i], new Random(f)))
            {
                // −∞ unscales to NaN (−∞ plus its nudge), which drift has always put in the first bin.
                var raw = Unscaled(value, scaler.Scale[i], scaler.Mean[i]);
                Assert.AreEqual(double.IsNaN(raw) ? 0 : Histogram.BinOf(raw, edges), counters.FeatureBin(f, value), $"{counters.ReferencedFeatures[f]}: {value:R}");
            }
        }
    }
}
