using Microsoft.Extensions.Options;
using SkillInference.Catalog;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Training;

namespace SkillInference.Host.Configuration;

/// <summary>On a store without any bundle, creates, publishes and deploys the sample models, and says so in the log.</summary>
internal sealed partial class SampleModelsInitializer(ModelRegistry registry, IOptions<SkillInferenceHostOptions> options, ILogger<SampleModelsInitializer> logger) : IModelStoreInitializer
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var samples = options.Value.Samples;
        var seed = samples.SeedWhenEmpty ?? string.Equals(options.Value.Store.Kind, "FileSystem", StringComparison.OrdinalIgnoreCase);
        if (!seed || (await registry.Bundles.ListSkillsAsync(cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return;
        }

        var catalogPath = SkillCatalog.Locate(samples.Catalog);
        if (catalogPath is null)
        {
            LogNoCatalog(logger, samples.Catalog ?? "samples/skills.json");
            return;
        }

        LogSeeding(logger, registry.Store.Location, catalogPath, samples.Students);
        var catalog = await SkillCatalog.LoadAsync(catalogPath, cancellationToken).ConfigureAwait(false);
        var progress = new Progress<string>(line => LogProgress(logger, line));
        var results = await SampleModels.CreateAsync(
            registry,
            catalog,
            new SampleModelOptions { Students = samples.Students, Actor = "skillinference-host" },
            progress,
            cancellationToken).ConfigureAwait(false);
        LogSeeded(logger, results.Count);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "The model store at {Location} is empty: creating the sample bundles from {Catalog} (synthetic data for {Students} students -> train -> publish -> deploy 1.0.0)")]
    private static partial void LogSeeding(ILogger logger, string location, string catalog, int students);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Samples: {Line}")]
    private static partial void LogProgress(ILogger logger, string line);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Created and deployed {Count} sample bundles")]
    private static partial void LogSeeded(ILogger logger, int count);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "The model store is empty and no skill catalog was found at {Catalog}; nothing to serve until bundles are published")]
    private static partial void LogNoCatalog(ILogger logger, string catalog);
}
