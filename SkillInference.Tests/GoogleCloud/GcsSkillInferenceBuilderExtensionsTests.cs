using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Registry;

namespace SkillInference.Tests.GoogleCloud;

[TestClass]
public sealed class GcsSkillInferenceBuilderExtensionsTests
{
    [TestMethod]
    public void UseGcsModelStore_Configured_ServesFromTheBucketAndPrefix()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseGcsModelStore(o =>
        {
            o.Bucket = "mass-production-ml-models";
            o.Prefix = "prod";
        });
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IModelStore>();

        Assert.IsInstanceOfType<GcsModelStore>(store);
        Assert.AreEqual("gs://mass-production-ml-models/prod", store.Location);
        Assert.AreSame(store, provider.GetRequiredService<ModelRegistry>().Store);
    }

    [TestMethod]
    public void UseGcsModelStore_ConfigurationSection_BindsBucketPrefixAndRetrySettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Kind"] = "Gcs",
            ["Store:Bucket"] = "mass-production-ml-models",
            ["Store:Prefix"] = "staging/",
            ["Store:MaxRetryAttempts"] = "7",
            ["Store:AttemptTimeout"] = "00:00:05",
        }).Build();
        var services = new ServiceCollection();
        services.AddSkillInference().UseGcsModelStore(configuration.GetSection("Store"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<GcsModelStoreOptions>>().Value;

        Assert.AreEqual("mass-production-ml-models", options.Bucket);
        Assert.AreEqual("staging/", options.Prefix);
        Assert.AreEqual(7, options.MaxRetryAttempts);
        Assert.AreEqual(TimeSpan.FromSeconds(5), options.AttemptTimeout);
        Assert.AreEqual("gs://mass-production-ml-models/staging", provider.GetRequiredService<IModelStore>().Location);
    }

    [TestMethod]
    public void UseGcsModelStore_NoBucket_FailsValidationNamingTheOption()
    {
        var services = new ServiceCollection();
        services.AddSkillInference().UseGcsModelStore(o => o.Prefix = "prod");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => provider.GetRequiredService<IModelStore>());

        Assert.Contains("Bucket", ex.Message);
    }
}
