using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Registry;

[TestClass]
public sealed class SampleStoreSmokeTests
{
    [TestMethod]
    public async Task SampleStore_AfterSetup_DeploysSevenSkillsAtOnePointZero()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Path);

        var snapshot = await registry.ReadAsync();

        Assert.HasCount(7, snapshot.Document.Skills);
        Assert.IsTrue(snapshot.Document.Skills.Values.All(s => s.Deployed == "1.0.0"));
        CollectionAssert.AreEquivalent(SampleStore.Catalog.Skills.Select(s => s.Id).ToArray(), (await registry.Bundles.ListSkillsAsync()).ToArray());
    }
}
