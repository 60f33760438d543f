using SkillInference.Bundles;

namespace SkillInference.Tests.Core.Bundles;

[TestClass]
public sealed class HistogramTests
{
    private static readonly double[] Edges = [0, 10, 11, 50, 100];

    [TestMethod]
    [DataRow(0.0, 0)]
    [DataRow(9.999, 0)]
    [DataRow(10.0, 1)]
    [DataRow(10.5, 1)]
    [DataRow(11.0, 2)]
    [DataRow(49.999, 2)]
    [DataRow(50.0, 3)]
    [DataRow(99.999, 3)]
    [DataRow(100.0, 3)]
    public void BinOf_ValueWithinEdges_IsLeftClosedAndLastBinClosed(double value, int expected)
    {
        var bin = Histogram.BinOf(value, Edges);

        Assert.AreEqual(expected, bin);
    }

    [TestMethod]
    [DataRow(-0.001, 0)]
    [DataRow(-1e9, 0)]
    [DataRow(double.NegativeInfinity, 0)]
    [DataRow(100.001, 3)]
    [DataRow(1e9, 3)]
    [DataRow(double.PositiveInfinity, 3)]
    public void BinOf_ValueOutsideEdges_ClampsToFirstOrLastBin(double value, int expected)
    {
        var bin = Histogram.BinOf(value, Edges);

        Assert.AreEqual(expected, bin);
    }

    [TestMethod]
    [DataRow(-5.0)]
    [DataRow(0.5)]
    [DataRow(7.0)]
    public void BinOf_SingleBin_AlwaysZero(double value)
    {
        var bin = Histogram.BinOf(value, [0, 1]);

        Assert.AreEqual(0, bin);
    }

    [TestMethod]
    public void BinOf_ManyEdgesAndValues_AgreesWithLinearScan()
    {
        var rng = new Random(314159);
        for (var trial = 0; trial < 200; trial++)
        {
            var edges = Enumerable.Range(0, rng.Next(2, 30)).Select(_ => Math.Round(rng.NextDouble() * 100, 1)).Distinct().Order().ToArray();
            if (edges.Length < 2)
            {
                continue;
            }

            for (var k = 0; k < 50; k++)
            {
                // Half the probes sit exactly on an edge, where an off-by-one would show.
                var value = k % 2 == 0 ? edges[rng.Next(edges.Length)] : (rng.NextDouble() * 120) - 10;

                var bin = Histogram.BinOf(value, edges);

                Assert.AreEqual(LinearBin(value, edges), bin, $"value {value} edges [{string.Join(", ", edges)}]");
            }
        }
    }

    [TestMethod]
    public void Build_HandComputedValues_CountsEachBin()
    {
        double[] values = [0, 5, 9.99, 10, 10.99, 11, 12, 49, 50, 75, 100, -3, 250];

        var histogram = Histogram.Build(values, Edges);

        // [0,10): 0, 5, 9.99, -3 (clamped) | [10,11): 10, 10.99 | [11,50): 11, 12, 49 | [50,100]: 50, 75, 100, 250 (clamped)
        CollectionAssert.AreEqual(new long[] { 4, 2, 3, 4 }, histogram.Counts.ToArray());
        Assert.AreEqual(0, histogram.Missing);
        CollectionAssert.AreEqual(Edges, histogram.Edges.ToArray());
    }

    [TestMethod]
    public void Build_NaNValues_CountAsMissingNotInBins()
    {
        double[] values = [double.NaN, 1, double.NaN, 60, double.NaN];

        var histogram = Histogram.Build(values, Edges);

        Assert.AreEqual(3, histogram.Missing);
        CollectionAssert.AreEqual(new long[] { 1, 0, 0, 1 }, histogram.Counts.ToArray());
    }

    [TestMethod]
    public void Build_NoValues_HasZeroCounts()
    {
        var histogram = Histogram.Build([], Edges);

        CollectionAssert.AreEqual(new long[] { 0, 0, 0, 0 }, histogram.Counts.ToArray());
        Assert.AreEqual(0, histogram.Missing);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    public void Build_FewerThanTwoEdges_ThrowsArgumentException(int edgeCount)
    {
        var edges = Enumerable.Range(0, edgeCount).Select(i => (double)i).ToArray();

        var ex = Assert.ThrowsExactly<ArgumentException>(() => Histogram.Build([1.0], edges));

        Assert.AreEqual("edges", ex.ParamName);
    }

    private static int LinearBin(double value, double[] edges)
    {
        // The last edge <= value, counted as a bin index, clamped into [0, bins - 1].
        var bins = edges.Length - 1;
        var bin = 0;
        for (var i = 0; i < edges.Length; i++)
        {
            if (edges[i] <= value)
            {
                bin = i;
            }
        }

        return Math.Min(bin, bins - 1);
    }
}
