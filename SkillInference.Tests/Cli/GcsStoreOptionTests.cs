namespace SkillInference.Tests.Cli;

/// <summary>A <c>gs://</c> store location that cannot name a bucket fails with the rule, before anything is sent.</summary>
[TestClass]
public sealed class GcsStoreOptionTests
{
    [TestMethod]
    public async Task ModelsList_InvalidBucketName_ExitsOneNamingTheRule()
    {
        var result = await Skillinf.RunAsync("models", "list", "--store", "gs://Mass_Production/prod");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.StartsWith("error:", result.Error);
        Assert.Contains("not a valid bucket name", result.Error);
    }

    [TestMethod]
    public async Task ModelsList_GsLocationWithoutBucket_ExitsOne()
    {
        var result = await Skillinf.RunAsync("models", "list", "--store", "gs:///prod");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("names no bucket", result.Error);
    }
}
