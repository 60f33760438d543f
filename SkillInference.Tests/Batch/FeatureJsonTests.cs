using SkillInference.Batch;

namespace SkillInference.Tests.Batch;

[TestClass]
public sealed class FeatureJsonTests
{
    [TestMethod]
    public void Serialize_ThenParse_RoundTripsValuesAndMissing()
    {
        var features = new Dictionary<string, double?> { ["a"] = 0.1 + 0.2, ["b"] = null, ["c"] = -1e-300, ["d"] = double.NaN };

        Assert.IsTrue(FeatureJson.TryParse(FeatureJson.Serialize(features), out var parsed, out var error), error);

        Assert.AreEqual(0.1 + 0.2, parsed["a"], "doubles round-trip exactly");
        Assert.IsNull(parsed["b"]);
        Assert.AreEqual(-1e-300, parsed["c"]);
        Assert.IsNull(parsed["d"], "NaN is stored as missing");
    }

    [TestMethod]
    [DataRow("[1, 2]", "is not a JSON object")]
    [DataRow("{\"x\": \"secret-value\"}", "feature 'x' is not a number or null")]
    [DataRow("{\"x\": 1", "is not valid JSON")]
    [DataRow("{\"x\": {\"y\": 1}}", "feature 'x' is not a number or null")]
    public void TryParse_NotAnObjectOfNumbers_FailsWithAReasonWithoutTheValue(string json, string reason)
    {
        Assert.IsFalse(FeatureJson.TryParse(json, out _, out var error));

        Assert.AreEqual(reason, error);
        Assert.DoesNotContain("secret-value", error!);
    }
}
