using System.Globalization;
using SkillInference.Bundles;
using SkillInference.Schema;

namespace SkillInference.Tests.Core.Schema;

[TestClass]
public sealed class FeatureVectorBuilderTests
{
    // Schema order: attendance_rate (required), essay_words (median), session_minutes (mean),
    // help_requests (constant 3), sentiment (native).
    private static readonly FeatureSpec[] Specs =
    [
        new() { Name = "attendance_rate", Min = 0, Max = 1, Required = true, Missing = MissingValueRule.Median },
        new() { Name = "essay_words", Min = 0, Max = 5000, Missing = MissingValueRule.Median },
        new() { Name = "session_minutes", Min = 0, Max = 600, Missing = MissingValueRule.Mean },
        new() { Name = "help_requests", Min = 0, Max = 50, Missing = MissingValueRule.Constant(3) },
        new() { Name = "sentiment", Min = -1, Max = 1, Missing = MissingValueRule.Native },
    ];

    private static readonly FeatureStatistics[] Statistics =
    [
        new() { Name = "attendance_rate", Mean = 0.8, Median = 0.85, Std = 0.15 },
        new() { Name = "essay_words", Mean = 420.5, Median = 380, Std = 210.25 },
        new() { Name = "session_minutes", Mean = 37.25, Median = 30, Std = 12.5 },
        new() { Name = "help_requests", Mean = 1.5, Median = 1, Std = 1.2 },
        new() { Name = "sentiment", Mean = 0.1, Median = 0.05, Std = 0.4 },
    ];

    private static readonly double[] ScalerMean = [0.8, 420.5, 37.25, 1.5, 0.1];
    private static readonly double[] ScalerScale = [0.15, 210.25, 12.5, 1.2, 0.4];

    [TestMethod]
    public void TryBuild_UnknownNames_ReportsOneUnknownErrorPerName()
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input["attendence_rate"] = 0.5;
        input["essay_word"] = 10;

        var result = Build(builder, input);

        Assert.IsFalse(result.Ok);
        Assert.IsTrue(result.Errors.All(e => e.Code == FeatureErrorCode.Unknown));
        CollectionAssert.AreEquivalent(new[] { "attendence_rate", "essay_word" }, result.Errors.Select(e => e.Feature).ToArray());
        Assert.IsTrue(result.Errors.All(e => e.Message.Contains($"'{e.Feature}'", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void TryBuild_OnlyKnownNames_SucceedsWithoutCreatingErrors()
    {
        var builder = CreateBuilder();
        var row = new float[builder.Count];
        var used = new double[builder.Count];
        var imputed = new bool[builder.Count];
        List<FeatureError>? errors = null;

        var ok = builder.TryBuild(FullInput(), row, used, imputed, ref errors);

        Assert.IsTrue(ok);
        Assert.IsNull(errors);
    }

    [TestMethod]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    [DataRow(double.NegativeInfinity)]
    public void TryBuild_NonFiniteValue_ReportsNotFinite(double value)
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input["session_minutes"] = value;

        var result = Build(builder, input);

        Assert.IsFalse(result.Ok);
        var error = Assert.ContainsSingle(result.Errors);
        Assert.AreEqual("session_minutes", error.Feature);
        Assert.AreEqual(FeatureErrorCode.NotFinite, error.Code);
    }

    [TestMethod]
    [DataRow(-0.0001)]
    [DataRow(600.0001)]
    [DataRow(-1e300)]
    [DataRow(1e300)]
    public void TryBuild_ValueOutsideRange_ReportsOutOfRange(double value)
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input["session_minutes"] = value;

        var result = Build(builder, input);

        Assert.IsFalse(result.Ok);
        var error = Assert.ContainsSingle(result.Errors);
        Assert.AreEqual("session_minutes", error.Feature);
        Assert.AreEqual(FeatureErrorCode.OutOfRange, error.Code);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(600.0)]
    public void TryBuild_ValueOnInclusiveBound_IsAcceptedAsIs(double value)
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input["session_minutes"] = value;

        var result = Build(builder, input);

        Assert.IsTrue(result.Ok);
        Assert.AreEqual(value, result.Used[2]);
        Assert.IsFalse(result.Imputed[2]);
    }

    [TestMethod]
    public void TryBuild_RequiredFeatureAbsent_ReportsMissing()
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input.Remove("attendance_rate");

        var result = Build(builder, input);

        Assert.IsFalse(result.Ok);
        var error = Assert.ContainsSingle(result.Errors);
        Assert.AreEqual("attendance_rate", error.Feature);
        Assert.AreEqual(FeatureErrorCode.Missing, error.Code);
    }

    [TestMethod]
    public void TryBuild_RequiredFeatureNull_ReportsMissing()
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input["attendance_rate"] = null;

        var result = Build(builder, input);

        Assert.IsFalse(result.Ok);
        var error = Assert.ContainsSingle(result.Errors);
        Assert.AreEqual("attendance_rate", error.Feature);
        Assert.AreEqual(FeatureErrorCode.Missing, error.Code);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "absent")]
    [DataRow(true, DisplayName = "null")]
    public void TryBuild_MedianFeatureMissing_ImputesManifestMedian(bool sendNull)
    {
        var result = BuildWithMissing("essay_words", sendNull);

        Assert.IsTrue(result.Ok);
        Assert.AreEqual(380.0, result.Used[1]);
        Assert.AreEqual((float)((380.0 - 420.5) / 210.25), result.Row[1]);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "absent")]
    [DataRow(true, DisplayName = "null")]
    public void TryBuild_MeanFeatureMissing_ImputesManifestMean(bool sendNull)
    {
        var result = BuildWithMissing("session_minutes", sendNull);

        Assert.IsTrue(result.Ok);
        Assert.AreEqual(37.25, result.Used[2]);
        Assert.AreEqual(0f, result.Row[2]);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "absent")]
    [DataRow(true, DisplayName = "null")]
    public void TryBuild_ConstantFeatureMissing_ImputesTheConstant(bool sendNull)
    {
        var result = BuildWithMissing("help_requests", sendNull);

        Assert.IsTrue(result.Ok);
        Assert.AreEqual(3.0, result.Used[3]);
        Assert.AreEqual((float)((3.0 - 1.5) / 1.2), result.Row[3]);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "absent")]
    [DataRow(true, DisplayName = "null")]
    public void TryBuild_NativeFeatureMissing_PassesNaNThrough(bool sendNull)
    {
        var result = BuildWithMissing("sentiment", sendNull);

        Assert.IsTrue(result.Ok);
        Assert.IsTrue(double.IsNaN(result.Used[4]));
        Assert.IsTrue(float.IsNaN(result.Row[4]));
    }

    [TestMethod]
    public void TryBuild_MedianAndMeanRules_UseTheirOwnStatisticNotTheOther()
    {
        // Median and mean differ for every feature, so swapping the two rules would be caught.
        var builder = CreateBuilder(scaled: false);
        var input = new Dictionary<string, double?> { ["attendance_rate"] = 0.5 };

        var result = Build(builder, input);

        Assert.IsTrue(result.Ok);
        Assert.AreEqual(380.0, result.Used[1]);
        Assert.AreEqual(37.25, result.Used[2]);
    }

    [TestMethod]
    public void TryBuild_SomeFeaturesMissing_FlagsExactlyTheImputedOnes()
    {
        var builder = CreateBuilder();
        var input = new Dictionary<string, double?>
        {
            ["attendance_rate"] = 0.9,
            ["essay_words"] = null,
            ["session_minutes"] = 12,
        };

        var result = Build(builder, input);

        Assert.IsTrue(result.Ok);
        CollectionAssert.AreEqual(new[] { false, true, false, true, true }, result.Imputed);
    }

    [TestMethod]
    public void TryBuild_InputInAnotherOrder_OrdersRowBySchema()
    {
        var builder = CreateBuilder(scaled: false);
        var input = new Dictionary<string, double?>
        {
            ["sentiment"] = -0.5,
            ["help_requests"] = 4,
            ["session_minutes"] = 3,
            ["essay_words"] = 2,
            ["attendance_rate"] = 0.25,
        };

        var result = Build(builder, input);

        Assert.IsTrue(result.Ok);
        CollectionAssert.AreEqual(new[] { 0.25f, 2f, 3f, 4f, -0.5f }, result.Row);
        CollectionAssert.AreEqual(new[] { 0.25, 2, 3, 4, -0.5 }, result.Used);
    }

    [TestMethod]
    public void TryBuild_WithScaler_MatchesHandComputedValues()
    {
        // (0.5-0.8)/0.15 = -2, (630.75-420.5)/210.25 = 1, (62.25-37.25)/12.5 = 2, (0-1.5)/1.2 = -1.25, (0.3-0.1)/0.4 = 0.5
        var builder = CreateBuilder();
        var input = new Dictionary<string, double?>
        {
            ["attendance_rate"] = 0.5,
            ["essay_words"] = 630.75,
            ["session_minutes"] = 62.25,
            ["help_requests"] = 0,
            ["sentiment"] = 0.3,
        };

        var result = Build(builder, input);

        Assert.IsTrue(result.Ok);
        var expected = new[] { -2f, 1f, 2f, -1.25f, 0.5f };
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], result.Row[i], 1e-6f, Specs[i].Name);
        }
    }

    [TestMethod]
    public void TryBuild_WithScaler_ComputesInDoubleThenCastsToFloat()
    {
        var builder = CreateBuilder();
        var rng = new Random(20240611);
        var differsFromFloatMath = 0;

        for (var n = 0; n < 2_000; n++)
        {
            var values = Specs.Select(s => s.Min + (rng.NextDouble() * (s.Max - s.Min))).ToArray();
            var input = Specs.Select((s, i) => KeyValuePair.Create(s.Name, (double?)values[i])).ToDictionary();

            var result = Build(builder, input);

            Assert.IsTrue(result.Ok);
            for (var i = 0; i < values.Length; i++)
            {
                var expected = (float)((values[i] - ScalerMean[i]) / ScalerScale[i]);
                Assert.AreEqual(expected, result.Row[i], $"feature {Specs[i].Name}, value {values[i]:R}");
                Assert.AreEqual(values[i], result.Used[i]);
                if (((float)values[i] - (float)ScalerMean[i]) / (float)ScalerScale[i] != expected)
                {
                    differsFromFloatMath++;
                }
            }
        }

        // The inputs must be able to tell double arithmetic from float arithmetic, or the test proves nothing.
        Assert.IsGreaterThan(0, differsFromFloatMath);
    }

    [TestMethod]
    public void TryBuild_WithoutScaler_CastsRawValueToFloat()
    {
        var builder = CreateBuilder(scaled: false);
        var input = new Dictionary<string, double?>
        {
            ["attendance_rate"] = 0.1,
            ["essay_words"] = 4321.123456789,
            ["session_minutes"] = 1.0 / 3.0,
            ["help_requests"] = 49.99,
            ["sentiment"] = -0.7,
        };

        var result = Build(builder, input);

        Assert.IsTrue(result.Ok);
        CollectionAssert.AreEqual(new[] { 0.1f, (float)4321.123456789, (float)(1.0 / 3.0), 49.99f, -0.7f }, result.Row);
    }

    [TestMethod]
    public void TryBuild_SeveralProblems_ReportsThemAllTogether()
    {
        var builder = CreateBuilder();
        var input = new Dictionary<string, double?>
        {
            ["no_such_feature"] = 1,
            ["essay_words"] = double.NaN,
            ["session_minutes"] = 601,
            ["sentiment"] = 0.2,
        };

        var result = Build(builder, input);

        Assert.IsFalse(result.Ok);
        var actual = result.Errors.Select(e => (e.Feature, e.Code)).ToHashSet();
        var expected = new HashSet<(string, FeatureErrorCode)>
        {
            ("no_such_feature", FeatureErrorCode.Unknown),
            ("attendance_rate", FeatureErrorCode.Missing),
            ("essay_words", FeatureErrorCode.NotFinite),
            ("session_minutes", FeatureErrorCode.OutOfRange),
        };
        Assert.IsTrue(expected.SetEquals(actual), string.Join(", ", actual));
        Assert.HasCount(4, result.Errors);
    }

    [TestMethod]
    public void TryBuild_RejectedValue_NeverAppearsInMessages()
    {
        const double secret = 98765.4321;
        var builder = CreateBuilder();
        var input = FullInput();
        input["essay_words"] = secret;
        input["unknown_feature"] = secret;

        var result = Build(builder, input);
        var exception = new FeatureValidationException("demo_skill", result.Errors);

        Assert.HasCount(2, result.Errors);
        foreach (var text in result.Errors.Select(e => e.Message).Append(exception.Message))
        {
            Assert.DoesNotContain("98765", text);
            Assert.DoesNotContain(secret.ToString(CultureInfo.InvariantCulture), text);
            Assert.DoesNotContain(secret.ToString("G6", CultureInfo.InvariantCulture), text);
        }
    }

    [TestMethod]
    public void TryBuild_AlsoKnownName_IsNotReportedAsUnknown()
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input["peer_replies_per_week"] = 4;

        var result = Build(builder, input, name => name == "peer_replies_per_week");

        Assert.IsTrue(result.Ok);
        Assert.IsEmpty(result.Errors);
    }

    [TestMethod]
    public void TryBuild_AlsoKnownGiven_StillReportsNamesItDoesNotKnow()
    {
        var builder = CreateBuilder();
        var input = FullInput();
        input["peer_replies_per_week"] = 4;
        input["typo_feature"] = 4;

        var result = Build(builder, input, name => name == "peer_replies_per_week");

        Assert.IsFalse(result.Ok);
        var error = Assert.ContainsSingle(result.Errors);
        Assert.AreEqual("typo_feature", error.Feature);
        Assert.AreEqual(FeatureErrorCode.Unknown, error.Code);
    }

    private static BuildResult BuildWithMissing(string feature, bool sendNull)
    {
        var builder = CreateBuilder();
        var input = FullInput();
        if (sendNull)
        {
            input[feature] = null;
        }
        else
        {
            input.Remove(feature);
        }

        var result = Build(builder, input);
        var index = builder.Schema.IndexOf(feature);
        Assert.IsTrue(result.Imputed[index]);
        return result;
    }

    private static Dictionary<string, double?> FullInput() => new()
    {
        ["attendance_rate"] = 0.9,
        ["essay_words"] = 500,
        ["session_minutes"] = 45,
        ["help_requests"] = 2,
        ["sentiment"] = -0.25,
    };

    private static FeatureVectorBuilder CreateBuilder(bool scaled = true)
    {
        var schema = FeatureSchema.Create(Specs);
        var manifest = new BundleManifest
        {
            Skill = "demo_skill",
            Version = "1.0.0",
            Format = ModelFormats.MlNet,
            ModelFile = "model.zip",
            Sha256 = new string('0', 64),
            Features = Specs,
            Statistics = Statistics,
            Scaler = scaled ? new ScalerParameters { Mean = ScalerMean, Scale = ScalerScale } : null,
        };
        return new FeatureVectorBuilder("demo_skill", schema, manifest);
    }

    private static BuildResult Build(FeatureVectorBuilder builder, IReadOnlyDictionary<string, double?> input, Func<string, bool>? alsoKnown = null)
    {
        var row = new float[builder.Count];
        var used = new double[builder.Count];
        var imputed = new bool[builder.Count];
        List<FeatureError>? errors = null;
        var ok = builder.TryBuild(input, row, used, imputed, ref errors, alsoKnown);
        return new BuildResult(ok, row, used, imputed, errors ?? []);
    }

    private sealed record BuildResult(bool Ok, float[] Row, double[] Used, bool[] Imputed, IReadOnlyList<FeatureError> Errors);
}
