using System.Text.Json.Nodes;
using SkillInference.Batch;

namespace SkillInference.Tests.Batch;

[TestClass]
public sealed class ShardTaskJsonTests
{
    [TestMethod]
    public void Serialize_FullShard_WritesTheWireShape()
    {
        var runId = Guid.Parse("0192f0c4-1a2b-7c3d-8e4f-a1b2c3d4e5f6");

        var json = JsonNode.Parse(ShardTaskJson.Serialize(new ShardTask(runId, 2, "S0000500", "S0000750", StudentSelection.All)))!;

        Assert.AreEqual("""{"runId":"0192f0c4-1a2b-7c3d-8e4f-a1b2c3d4e5f6","shard":2,"afterStudentId":"S0000500","throughStudentId":"S0000750","mode":"full","changedSince":null,"servingVersions":[]}""", json.ToJsonString());
    }

    [TestMethod]
    [DataRow("full", BatchMode.Full)]
    [DataRow("Incremental", BatchMode.Incremental)]
    public void TryParseMode_KnownNames_Parse(string name, BatchMode expected)
    {
        Assert.IsTrue(ShardTaskJson.TryParseMode(name, out var mode));
        Assert.AreEqual(expected, mode);
    }

    [TestMethod]
    public void TryParseMode_Unknown_Fails() => Assert.IsFalse(ShardTaskJson.TryParseMode("nightly", out _));
}
