using System.Globalization;
using System.Text;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Training;

[TestClass]
public sealed class SyntheticDataGeneratorTests
{
    private const int Count = 5_000;
    private static SyntheticDataGenerator _generator = null!;
    private static SyntheticStudent[] _students = null!;

    [ClassInitialize]
    public static void ClassInitialize(TestContext context)
    {
        _generator = new SyntheticDataGenerator(SampleStore.Catalog, new SyntheticDataOptions { Seed = 2024 });
        _students = [.. _generator.Generate(0, Count)];
    }

    [TestMethod]
    public void Generate_SameSeedAndIndex_ReturnsIdenticalStudent()
    {
        var other = new SyntheticDataGenerator(SampleStore.Catalog, new SyntheticDataOptions { Seed = 2024 });

        var again = other.Generate(1234);

        AssertSameStudent(_students[1234], again);
    }

    [TestMethod]
    public void Generate_IndexOutOfSequence_DependsOnlyOnIndex()
    {
        var fresh = new SyntheticDataGenerator(SampleStore.Catalog, new SyntheticDataOptions { Seed = 2024 });

        var late = fresh.Generate(4321);
        var early = fresh.Generate(7);

        AssertSameStudent(_students[4321], late);
        AssertSameStudent(_students[7], early);
    }

    [TestMethod]
    public void Generate_DifferentSeeds_GiveDifferentStudents()
    {
        var other = new SyntheticDataGenerator(SampleStore.Catalog, new SyntheticDataOptions { Seed = 2025 });

        var differing = Enumerable.Range(0, 50).Count(i => !other.Generate(i).Latent.SequenceEqual(_students[i].Latent));

        Assert.AreEqual(50, differing);
    }

    [TestMethod]
    public void Generate_NeighbouringIndices_GiveDifferentStudents()
    {
        var distinct = _students.Take(100).Select(s => s.Latent[0]).Distinct().Count();

        Assert.AreEqual(100, distinct);
        Assert.AreEqual("S0000001", _students[0].StudentId);
        Assert.AreEqual("S0005000", _students[^1].StudentId);
    }

    [TestMethod]
    public void Generate_ManyStudents_LatentSkillsHaveUnitVariance()
    {
        for (var s = 0; s < _generator.SkillIds.Count; s++)
        {
            var values = _students.Select(x => x.Latent[s]).ToArray();
            var mean = values.Average();
            var variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;

            Assert.AreEqual(0, mean, 0.05, _generator.SkillIds[s]);
            Assert.AreEqual(1, variance, 0.06, _generator.SkillIds[s]);
        }
    }

    [TestMethod]
    public void Generate_ManyStudents_LatentSkillsCorrelateAtConfiguredRho()
    {
        var k = _generator.SkillIds.Count;
        var correlations = new List<double>();
        for (var a = 0; a < k; a++)
        {
            for (var b = a + 1; b < k; b++)
            {
                var r = Pearson(_students.Select(x => x.Latent[a]).ToArray(), _students.Select(x => x.Latent[b]).ToArray());
                Assert.AreEqual(0.35, r, 0.05, $"{_generator.SkillIds[a]} vs {_generator.SkillIds[b]}");
                correlations.Add(r);
            }
        }

        Assert.AreEqual(0.35, correlations.Average(), 0.02);
    }

    [TestMethod]
    public void Generate_ManyStudents_PositiveRateMatchesCatalog()
    {
        for (var s = 0; s < _generator.SkillIds.Count; s++)
        {
            var expected = SampleStore.Catalog.Skills[s].Synthetic!.PositiveRate;

            var actual = _students.Average(x => x.Labels[s] ? 1.0 : 0.0);

            Assert.AreEqual(expected, actual, 0.03, _generator.SkillIds[s]);
        }
    }

    [TestMethod]
    public void Generate_ManyStudents_AboutEightPercentHaveNoLinguisticFeature()
    {
        var linguistic = Enumerable.Range(0, _generator.FeatureNames.Count).Where(f => _generator.Groups[f] == FeatureGroup.Linguistic).ToArray();
        var behavioral = Enumerable.Range(0, _generator.FeatureNames.Count).Where(f => _generator.Groups[f] == FeatureGroup.Behavioral).ToArray();

        var silent = _students.Where(x => linguistic.All(f => double.IsNaN(x.Features[f]))).ToArray();

        Assert.IsGreaterThan(10, linguistic.Length);
        Assert.AreEqual(0.08, (double)silent.Length / Count, 0.015);

        // Structural missingness is linguistic only: silent students still have most behavioral features.
        Assert.IsTrue(silent.All(x => behavioral.Count(f => !double.IsNaN(x.Features[f])) > behavioral.Length / 2));
    }

    [TestMethod]
    public void Generate_ManyStudents_RequiredFeaturesAreNeverMissing()
    {
        var required = SampleStore.Catalog.Skills.SelectMany(s => s.Schema.Features).Where(f => f.Required).Select(f => f.Name).Distinct().ToArray();
        var indexes = required.Select(name => IndexOfFeature(name)).ToArray();

        var missing = _students.Sum(x => indexes.Count(i => double.IsNaN(x.Features[i])));

        Assert.IsGreaterThanOrEqualTo(7, required.Length);
        Assert.AreEqual(0, missing);
    }

    [TestMethod]
    public void Generate_ManyStudents_OptionalFeaturesAreSometimesMissing()
    {
        var optional = IndexOfFeature("lexical_diversity");

        var missing = _students.Count(x => double.IsNaN(x.Features[optional]));

        Assert.IsGreaterThan(0, missing);
    }

    [TestMethod]
    public void Generate_ManyStudents_EveryValueIsWithinItsRange()
    {
        for (var f = 0; f < _generator.FeatureNames.Count; f++)
        {
            var spec = SampleStore.Catalog.Features[_generator.FeatureNames[f]].Spec;
            foreach (var value in _students.Select(x => x.Features[f]).Where(v => !double.IsNaN(v)))
            {
                Assert.IsInRange(spec.Min, spec.Max, value, spec.Name);
            }
        }
    }

    [TestMethod]
    public void Generate_ManyStudents_RatingsAreOneToFiveAndTrackTheLatentLevel()
    {
        for (var s = 0; s < _generator.SkillIds.Count; s++)
        {
            var rated = _students.Where(x => x.Ratings[s] is not null).ToArray();
            var ratings = rated.Select(x => (double)x.Ratings[s]!.Value).ToArray();

            Assert.IsTrue(ratings.All(r => r is >= 1 and <= 5 && r == Math.Floor(r)), _generator.SkillIds[s]);
            Assert.AreEqual(5, ratings.Distinct().Count(), _generator.SkillIds[s]);
            Assert.IsGreaterThan(0.6, Pearson(rated.Select(x => x.Latent[s]).ToArray(), ratings), _generator.SkillIds[s]);
            Assert.AreEqual(0.1, 1 - ((double)rated.Length / Count), 0.02, _generator.SkillIds[s]);
        }
    }

    [TestMethod]
    public void Generate_ManyStudents_LabelsTrackTheLatentLevel()
    {
        for (var s = 0; s < _generator.SkillIds.Count; s++)
        {
            var positives = _students.Where(x => x.Labels[s]).Average(x => x.Latent[s]);
            var negatives = _students.Where(x => !x.Labels[s]).Average(x => x.Latent[s]);

            Assert.IsGreaterThan(negatives + 1, positives, _generator.SkillIds[s]);
        }
    }

    [TestMethod]
    public void WriteCsv_Header_IsStudentIdFeaturesThenLabelAndRatingPerSkill()
    {
        var expected = new List<string> { "student_id" };
        expected.AddRange(SampleStore.Catalog.Features.Where(f => f.Value.Synthetic is not null).Select(f => f.Key));
        foreach (var skill in SampleStore.Catalog.Skills)
        {
            expected.Add("label_" + skill.Id);
            expected.Add("rating_" + skill.Id);
        }

        var header = WriteCsv(3).Split('\n')[0];

        CollectionAssert.AreEqual(expected, header.Split(','));
        Assert.HasCount(47, _generator.FeatureNames);
    }

    [TestMethod]
    public void WriteCsv_MissingValues_AreEmptyCells()
    {
        var lines = WriteCsv(200).Split('\n');
        var index = Array.FindIndex(_students, 0, 200, x => x.Features.Any(double.IsNaN));
        var feature = Array.FindIndex(_students[index].Features, double.IsNaN);

        var cells = lines[index + 1].Split(',');

        Assert.AreEqual(_students[index].StudentId, cells[0]);
        Assert.AreEqual("", cells[1 + feature]);
    }

    [TestMethod]
    public void ParseCsv_WrittenCsv_ReadsBackIdenticalValues()
    {
        const int n = 400;
        var csv = WriteCsv(n);

        var dataset = TrainingDataset.ParseCsv(Encoding.UTF8.GetBytes(csv));

        Assert.AreEqual(n, dataset.RowCount);
        CollectionAssert.AreEqual(_students.Take(n).Select(x => x.StudentId).ToArray(), dataset.StudentIds.ToArray());
        for (var f = 0; f < _generator.FeatureNames.Count; f++)
        {
            CollectionAssert.AreEqual(_students.Take(n).Select(x => x.Features[f]).ToArray(), dataset.Column(_generator.FeatureNames[f]), _generator.FeatureNames[f]);
        }

        for (var s = 0; s < _generator.SkillIds.Count; s++)
        {
            var id = _generator.SkillIds[s];
            CollectionAssert.AreEqual(_students.Take(n).Select(x => x.Labels[s] ? 1.0 : 0.0).ToArray(), dataset.Column("label_" + id), id);
            CollectionAssert.AreEqual(_students.Take(n).Select(x => x.Ratings[s] is { } r ? r : double.NaN).ToArray(), dataset.Column("rating_" + id), id);
        }
    }

    [TestMethod]
    [DataRow(0.5, 0.0)]
    [DataRow(0.975, 1.959963984540054)]
    [DataRow(0.025, -1.959963984540054)]
    [DataRow(0.01, -2.3263478740408408)]
    [DataRow(0.99, 2.3263478740408408)]
    [DataRow(0.999, 3.090232306167813)]
    [DataRow(0.84134474606854293, 1.0)]
    [DataRow(1e-6, -4.753424308822899)]
    public void InverseNormalCdf_KnownQuantile_MatchesReferenceValue(double p, double expected)
    {
        var z = SyntheticDataGenerator.InverseNormalCdf(p);

        Assert.AreEqual(expected, z, 1e-8);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(1.0)]
    [DataRow(-0.1)]
    [DataRow(1.5)]
    public void InverseNormalCdf_ProbabilityOutsideOpenInterval_Throws(double p)
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SyntheticDataGenerator.InverseNormalCdf(p));
    }

    private static string WriteCsv(int count)
    {
        var csv = new StringBuilder();
        using (var writer = new StringWriter(csv, CultureInfo.InvariantCulture))
        {
            _generator.WriteCsv(writer, count);
        }

        return csv.ToString();
    }

    private static int IndexOfFeature(string name)
    {
        var index = _generator.FeatureNames.ToList().IndexOf(name);
        Assert.IsGreaterThanOrEqualTo(0, index, name);
        return index;
    }

    private static void AssertSameStudent(SyntheticStudent expected, SyntheticStudent actual)
    {
        Assert.AreEqual(expected.StudentId, actual.StudentId);
        CollectionAssert.AreEqual(expected.Features, actual.Features);
        CollectionAssert.AreEqual(expected.Latent, actual.Latent);
        CollectionAssert.AreEqual(expected.Labels, actual.Labels);
        CollectionAssert.AreEqual(expected.Ratings, actual.Ratings);
    }

    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }
}
