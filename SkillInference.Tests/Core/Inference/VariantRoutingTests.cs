using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Routing;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

[TestClass]
public sealed class VariantRoutingTests
{
    private static readonly ChangeContext Operator = new("test-operator", "canary");

    [TestMethod]
    public void BucketPoint_SameStudent_IsStableAndInUnitInterval()
    {
        var points = Enumerable.Range(0, 10_000).Select(i => TrafficRouter.BucketPoint("collaboration", $"student-{i}")).ToArray();

        Assert.IsTrue(points.All(p => p is >= 0 and < 1));
        Assert.AreEqual(points[1234], TrafficRouter.BucketPoint("collaboration", "student-1234"));
        // Roughly uniform: each decile holds 10% ± 1.5% of 10,000 students.
        var deciles = points.GroupBy(p => (int)(p * 10)).ToDictionary(g => g.Key, g => g.Count());
        Assert.IsTrue(deciles.Values.All(c => c is > 850 and < 1150), string.Join(", ", deciles.OrderBy(kv => kv.Key).Select(kv => kv.Value)));
    }

    [TestMethod]
    public void BucketPoint_DifferentSkills_AssignIndependently()
    {
        var same = Enumerable.Range(0, 2_000).Count(i =>
            TrafficRouter.BucketPoint("collaboration", $"s{i}") < 0.5 == TrafficRouter.BucketPoint("curiosity", $"s{i}") < 0.5);

        Assert.IsTrue(same is > 900 and < 1100, same.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public async Task InferAsync_NinetyTenVariants_SplitsStudentsStickily()
    {
        await using var harness = await ServiceHarness.StartAsync();
        await harness.Registry.PublishAsync(TestBundles.WithVersion(await harness.Registry.Bundles.ReadAsync("collaboration", "1.0.0"), "1.0.1"), Operator);
        await harness.Registry.SetVariantsAsync("collaboration", [new TrafficVariant("1.0.0", 90), new TrafficVariant("1.0.1", 10)], Operator);
        await harness.Service.RefreshAsync();
        var features = SampleRows.Requests(SampleStore.Catalog["collaboration"].Schema, 1)[0];

        var first = new Dictionary<string, string>();
        for (var i = 0; i < 2_000; i++)
        {
            var result = await harness.Service.InferAsync(new InferenceRequest("collaboration", features, $"student-{i}"));
            first[$"student-{i}"] = result.ModelVersion;
            Assert.AreEqual(result.ModelVersion == "1.0.0" ? "deployed" : "variant", result.Variant);
        }

        var share = first.Values.Count(v => v == "1.0.1") / 2000.0;
        Assert.AreEqual(0.10, share, 0.03);
        for (var i = 0; i < 200; i++)
        {
            var again = await harness.Service.InferAsync(new InferenceRequest("collaboration", features, $"student-{i}"));
            Assert.AreEqual(first[$"student-{i}"], again.ModelVersion);
        }

        var anonymous = await harness.Service.InferAsync(new InferenceRequest("collaboration", features));
        Assert.AreEqual("1.0.0", anonymous.ModelVersion);
    }
}
