using Microsoft.Extensions.Options;
using SkillInference.GoogleCloud.Storage;

namespace SkillInference.Tests.GoogleCloud;

[TestClass]
public sealed class GcsModelStoreOptionsTests
{
    [TestMethod]
    [DataRow("gs://mass-production-ml-models/prod/v1", "mass-production-ml-models", "prod/v1", "gs://mass-production-ml-models/prod/v1")]
    [DataRow("gs://mass-production-ml-models/prod/", "mass-production-ml-models", "prod/", "gs://mass-production-ml-models/prod")]
    [DataRow("gs://mass-production-ml-models", "mass-production-ml-models", "", "gs://mass-production-ml-models")]
    [DataRow("GS://models-1/", "models-1", "", "gs://models-1")]
    public void FromUri_Location_ParsesBucketAndPrefix(string uri, string bucket, string prefix, string location)
    {
        var options = GcsModelStoreOptions.FromUri(uri);

        Assert.AreEqual(bucket, options.Bucket);
        Assert.AreEqual(prefix, options.Prefix);
        Assert.AreEqual(location, options.Location);
    }

    [TestMethod]
    [DataRow("/srv/models")]
    [DataRow("s3://bucket/prefix")]
    [DataRow("gs://")]
    [DataRow("gs:///prefix")]
    public void FromUri_NotABucketLocation_Throws(string uri)
    {
        Assert.ThrowsExactly<ArgumentException>(() => GcsModelStoreOptions.FromUri(uri));
    }

    [TestMethod]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new GcsModelStoreOptions();

        Assert.AreEqual("", options.Prefix);
        Assert.AreEqual(4, options.MaxRetryAttempts);
        Assert.AreEqual(TimeSpan.FromMilliseconds(500), options.RetryDelay);
        Assert.AreEqual(TimeSpan.FromSeconds(10), options.MaxRetryDelay);
        Assert.AreEqual(TimeSpan.FromSeconds(60), options.AttemptTimeout);
        Assert.AreEqual(1000, options.ListPageSize);
    }

    [TestMethod]
    public void Validate_ValidOptions_Succeeds()
    {
        var result = Validate(new GcsModelStoreOptions { Bucket = "mass-production-ml-models", Prefix = "teams/ml/", EmulatorHost = "127.0.0.1:9199" });

        Assert.IsTrue(result.Succeeded, result.FailureMessage);
    }

    [TestMethod]
    [DataRow("", "Bucket")]
    [DataRow("Mass_Production", "not a valid bucket name")]
    [DataRow("ab", "not a valid bucket name")]
    [DataRow("-models", "not a valid bucket name")]
    public void Validate_BadBucket_NamesTheProblem(string bucket, string expected)
    {
        var result = Validate(new GcsModelStoreOptions { Bucket = bucket, EmulatorHost = null });

        Assert.IsTrue(result.Failed);
        Assert.Contains(expected, result.FailureMessage);
    }

    [TestMethod]
    [DataRow("/prod")]
    [DataRow("prod//v1")]
    [DataRow("prod/../other")]
    [DataRow("prod\\v1")]
    public void Validate_BadPrefix_NamesTheProblem(string prefix)
    {
        var result = Validate(new GcsModelStoreOptions { Bucket = "models", Prefix = prefix, EmulatorHost = null });

        Assert.IsTrue(result.Failed);
        Assert.Contains("not a valid prefix", result.FailureMessage);
    }

    [TestMethod]
    public void Validate_OutOfRangeRetrySettingsAndBadEmulator_ListsEveryProblem()
    {
        var result = Validate(new GcsModelStoreOptions
        {
            Bucket = "models",
            MaxRetryAttempts = 50,
            ListPageSize = 5000,
            RetryDelay = TimeSpan.FromSeconds(5),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
            EmulatorHost = "ftp://127.0.0.1:21",
        });

        Assert.IsTrue(result.Failed);
        foreach (var name in new[] { "MaxRetryAttempts", "ListPageSize", "MaxRetryDelay", "ftp://127.0.0.1:21" })
        {
            Assert.Contains(name, result.FailureMessage);
        }
    }

    [TestMethod]
    public void Constructor_InvalidOptions_ThrowsBeforeAnyRequest()
    {
        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => new GcsModelStore(new GcsModelStoreOptions { Bucket = "", EmulatorHost = null }));

        Assert.Contains("Bucket", ex.Message);
    }

    private static ValidateOptionsResult Validate(GcsModelStoreOptions options) => new GcsModelStoreOptionsValidator().Validate(null, options);
}
