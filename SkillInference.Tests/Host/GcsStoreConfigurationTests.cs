using Microsoft.Extensions.Options;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>A Cloud Storage store misconfigured in the host stops it at start-up with a message that says what to set.</summary>
[TestClass]
public sealed class GcsStoreConfigurationTests
{
    [TestMethod]
    public async Task Start_GcsWithoutBucket_FailsNamingTheSetting()
    {
        await using var factory = new SkillInferenceHostFactory(TempDirectory.Create("store"), new Dictionary<string, string?>
        {
            ["SkillInference:Store:Kind"] = "Gcs",
        });

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains("SkillInference:Store:Bucket is required", ex.Message);
        Assert.Contains("SkillInference__Store__Bucket", ex.Message);
    }

    [TestMethod]
    public async Task Start_GcsWithAnInvalidBucketName_FailsValidation()
    {
        await using var factory = new SkillInferenceHostFactory(TempDirectory.Create("store"), new Dictionary<string, string?>
        {
            ["SkillInference:Store:Kind"] = "gcs",
            ["SkillInference:Store:Bucket"] = "Mass_Production_Models",
            ["SkillInference:Store:EmulatorHost"] = "http://127.0.0.1:9",
        });

        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("not a valid bucket name", ex.Message);
    }

    [TestMethod]
    public async Task Start_UnknownStoreKind_FailsListingTheKinds()
    {
        await using var factory = new SkillInferenceHostFactory(TempDirectory.Create("store"), new Dictionary<string, string?>
        {
            ["SkillInference:Store:Kind"] = "S3",
        });

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains("use FileSystem or Gcs", ex.Message);
    }
}
