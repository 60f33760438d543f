using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;
using SkillInference.Trees;

namespace SkillInference.Tests.Core.Trees;

/// <summary>
/// TreeSHAP on a real FastTree model against the definition it computes: exact Shapley values of the path-dependent
/// conditional expectation v(S) (follow x on features in S, else average the children by cover), by enumerating every
/// subset. (Against XGBoost's own pred_contribs: XGBoostParityTests.)
/// </summary>
[TestClass]
public sealed class TreeShapTests
{
    [TestMethod]
    public void Explain_FastTreeModel_EqualsBruteForceShapleyValues()
    {
        var bundle = TestBundles.Train("persistence", "9.0.0", features => features.Take(7), trees: 12);
        var model = (CompiledTreeModel)new SkillInference.Engines.MlNet.MlNetModelFormat().Load(bundle, SkillInference.Engines.ScoringEngine.Compiled);
        var ensemble = model.Ensemble;
        var builder = new FeatureVectorBuilder("persistence", bundle.Schema, bundle.Manifest);
        var rows = SampleRows.Requests(bundle.Schema, 25);

        foreach (var request in rows)
        {
            var row = new float[7];
            var used = new double[7];
            var imputed = new bool[7];
            List<FeatureError>? errors = null;
            Assert.IsTrue(builder.TryBuild(request, row, used, imputed, ref errors));

            var contributions = new double[7];
            var bias = model.Explain(row, contributions);

            var (expected, expectedBias) = BruteForce(ensemble, row);
            for (var i = 0; i < 7; i++)
            {
                Assert.AreEqual(expected[i], contributions[i], 1e-9, $"feature {i}");
            }

            Assert.AreEqual(expectedBias, bias, 1e-9);
            var logOdds = Math.Log(model.Predict(row) / (1.0 - model.Predict(row)));
            Assert.AreEqual(logOdds, bias + contributions.Sum(), 1e-5);
        }
    }

    [TestMethod]
    public void Explain_ModelWithoutCovers_CannotExplain()
    {
        var bundle = TestBundles.Train("persistence", "9.0.0", trees: 5);
        var withoutCovers = SkillInference.Bundles.ModelBundle.Create(bundle.Manifest with { TreeCovers = null }, bundle.ModelBytes);

        var model = (CompiledTreeModel)new SkillInference.Engines.MlNet.MlNetModelFormat().Load(withoutCovers, SkillInference.Engines.ScoringEngine.Compiled);

        Assert.IsFalse(model.CanExplain);
        Assert.ThrowsExactly<InvalidOperationException>(() => model.Explain(new float[bundle.Schema.Count], new double[bundle.Schema.Count]));
    }

    /// <summary>Shapley values of v(S) = Σ_t w_t E_t[f | x_S], mapped to log-odds as FastTree's Platt calibration does.</summary>
    private static (double[] Phi, double Bias) BruteForce(TreeEnsemble e, float[] x)
    {
        var n = e.FeatureCount;
        double Value(int mask)
        {
            var sum = 0.0;
            for (var t = 0; t < e.TreeCount; t++)
            {
                sum += (e.TreeWeightsDouble?[t] ?? 1.0) * Expect(e.Roots[t]);
            }

            return sum;

            double Expect(int node)
            {
                if (e.Feature[node] < 0)
                {
                    return e.LeafDouble![node];
                }

                if ((mask & (1 << e.Feature[node])) != 0)
                {
                    return Expect(x[e.Feature[node]] <= e.Threshold[node] ? e.Left[node] : e.Right[node]);
                }

                return ((e.Cover![e.Left[node]] * Expect(e.Left[node])) + (e.Cover[e.Right[node]] * Expect(e.Right[node]))) / e.Cover[node];
            }
        }

        var factorial = new double[n + 1];
        factorial[0] = 1;
        for (var k = 1; k <= n; k++)
        {
            factorial[k] = factorial[k - 1] * k;
        }

        var phi = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var mask = 0; mask < 1 << n; mask++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    continue;
                }

                var size = System.Numerics.BitOperations.PopCount((uint)mask);
                var weight = factorial[size] * factorial[n - size - 1] / factorial[n];
                phi[i] += weight * (Value(mask | (1 << i)) - Value(mask));
            }
        }

        // Raw score s -> log-odds -(slope * s + offset).
        return (phi.Select(p => -e.PlattSlope * p).ToArray(), (-e.PlattSlope * (Value(0) + e.BaseMargin)) - e.PlattOffset);
    }
}
