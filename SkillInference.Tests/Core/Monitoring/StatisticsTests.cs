using SkillInference.Monitoring;

namespace SkillInference.Tests.Core.Monitoring;

/// <summary>The monitoring statistics against values computed by hand (shown in each test) or known tables.</summary>
[TestClass]
public sealed class StatisticsTests
{
    [TestMethod]
    public void PopulationStabilityIndex_HalfAndHalfAgainstQuarterAndThreeQuarters_IsTheHandComputedValue()
    {
        // (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.173287 + 0.101366
        Assert.AreEqual(0.2746530722, Statistics.PopulationStabilityIndex([50, 50], [25, 75]), 1e-9);
    }

    [TestMethod]
    public void PopulationStabilityIndex_SameProportions_IsZero()
    {
        Assert.AreEqual(0, Statistics.PopulationStabilityIndex([10, 30, 60], [100, 300, 600]), 1e-12);
    }

    [TestMethod]
    public void PopulationStabilityIndex_EmptyBin_UsesTheSmallProportionAndStaysFinite()
    {
        // e = (1, 0) -> (1, 1e-4); a = (0.5, 0.5): (0.5 - 1) ln(0.5) + (0.5 - 1e-4) ln(0.5 / 1e-4)
        var expected = (-0.5 * Math.Log(0.5)) + ((0.5 - 1e-4) * Math.Log(0.5 / 1e-4));
        Assert.AreEqual(expected, Statistics.PopulationStabilityIndex([10, 0], [5, 5]), 1e-12);
    }

    [TestMethod]
    public void JensenShannon_DisjointEqualAndHalfOverlapping_AreTheHandComputedValues()
    {
        Assert.AreEqual(1, Statistics.JensenShannon([1, 0], [0, 1]), 1e-12);
        Assert.AreEqual(0, Statistics.JensenShannon([2, 3], [4, 6]), 1e-12);
        // m = (0.75, 0.25): KL(p||m) = 0.5 log2(0.5/0.75) + 0.5 log2(0.5/0.25) = 0.2075187; KL(q||m) = log2(1/0.75) = 0.4150375
        Assert.AreEqual(0.3112781245, Statistics.JensenShannon([1, 1], [1, 0]), 1e-9);
    }

    [TestMethod]
    public void Pearson_SmallSample_IsTheHandComputedValue()
    {
        // sxy = 6, sxx = 10, syy = 6: r = 6 / sqrt(60)
        Assert.AreEqual(6 / Math.Sqrt(60), Statistics.Pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]), 1e-12);
    }

    [TestMethod]
    public void Pearson_ConstantSideOrOnePair_IsNaN()
    {
        Assert.IsTrue(double.IsNaN(Statistics.Pearson([1, 2, 3], [4, 4, 4])));
        Assert.IsTrue(double.IsNaN(Statistics.Pearson([1], [2])));
    }

    [TestMethod]
    public void Spearman_WithTies_UsesAverageRanks()
    {
        // ranks of y = (1, 2.5, 4.5, 2.5, 4.5): sxy = 7, syy = 9 against x's ranks 1..5 (sxx = 10)
        Assert.AreEqual(7 / Math.Sqrt(90), Statistics.Spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]), 1e-12);
        Assert.AreEqual(1, Statistics.Spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1e-12, "monotone, not linear");
    }

    [TestMethod]
    public void FisherInterval_HalfWithThirtyPairs_IsTheHandComputedInterval()
    {
        // z = atanh(0.5) = 0.549306, ± 1.959964 / sqrt(27) = 0.377195, then tanh
        var (low, high) = Statistics.FisherInterval(0.5, 30);
        Assert.AreEqual(0.1704313651, low, 1e-6);
        Assert.AreEqual(0.7289585564, high, 1e-6);
        Assert.IsTrue(double.IsNaN(Statistics.FisherInterval(0.5, 3).Low));
    }

    [TestMethod]
    public void ChiSquaredSurvival_TableValues_AreFivePercent()
    {
        Assert.AreEqual(0.05, Statistics.ChiSquaredSurvival(3.841458821, 1), 1e-6);
        Assert.AreEqual(0.05, Statistics.ChiSquaredSurvival(5.991464547, 2), 1e-6);
        Assert.AreEqual(0.05, Statistics.ChiSquaredSurvival(16.91897760, 9), 1e-6);
        // k = 4 at x = 2: Q(2, 1) = e^-1 (1 + 1)
        Assert.AreEqual(2 * Math.Exp(-1), Statistics.ChiSquaredSurvival(2, 4), 1e-9);
    }

    [TestMethod]
    public void SampleRatioMismatchPValue_AssignmentAsWeightedAndSkewed_AreOneAndTiny()
    {
        Assert.AreEqual(1, Statistics.SampleRatioMismatchPValue([9000, 1000], [90, 10]), 1e-12);
        Assert.IsLessThan(1e-6, Statistics.SampleRatioMismatchPValue([5000, 5000], [90, 10]));
        // 9100 / 900 against 90 / 10 of 10,000: chi2 = 100^2/9000 + 100^2/1000 = 11.111: p = 0.000858
        Assert.AreEqual(0.000858, Statistics.SampleRatioMismatchPValue([9100, 900], [90, 10]), 5e-6);
    }

    [TestMethod]
    public void NormalQuantileAndCdf_KnownValues()
    {
        Assert.AreEqual(1.959963985, Statistics.NormalQuantile(0.975), 1e-7);
        Assert.AreEqual(-2.326347874, Statistics.NormalQuantile(0.01), 1e-7);
        Assert.AreEqual(0.975, Statistics.NormalCdf(1.959963985), 1e-7);
    }

    [TestMethod]
    public void CorrelationLowerPValue_MuchLowerOnLargeSamples_IsSmall()
    {
        Assert.IsLessThan(0.001, Statistics.CorrelationLowerPValue(0.3, 500, 0.6, 500));
        Assert.AreEqual(0.5, Statistics.CorrelationLowerPValue(0.5, 100, 0.5, 100), 1e-7); // erfc is accurate to 1.2e-7
    }
}
