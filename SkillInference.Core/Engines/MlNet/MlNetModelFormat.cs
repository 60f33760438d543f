using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkillInference.Bundles;
using SkillInference.Trees;

namespace SkillInference.Engines.MlNet;

/// <summary>
/// Loads <c>mlnet</c> bundles. A FastTree binary classifier is compiled into the flat tree evaluator (the default,
/// exact to ML.NET); any other ML.NET model, or <see cref="ScoringEngine.Reference"/>, is served by ML.NET's own
/// pooled PredictionEngine.
/// </summary>
internal sealed partial class MlNetModelFormat(ILogger<MlNetModelFormat>? logger = null) : IModelFormat
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public string Format => ModelFormats.MlNet;

    public IScoringModel Load(ModelBundle bundle, ScoringEngine engine)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var reference = new MlNetScoringModel(bundle);
        if (engine == ScoringEngine.Reference)
        {
            return reference;
        }

        var ensemble = FastTreeImporter.TryCompile(reference.Transformer, reference.FeatureCount, bundle.Manifest.TreeCovers);
        if (ensemble is null)
        {
            if (engine == ScoringEngine.Compiled)
            {
                throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"{bundle.Skill}@{bundle.Version} is not a calibrated FastTree binary classifier, so it cannot be compiled; use the Reference engine.");
            }

            LogNotCompiled(_logger, bundle.Skill, bundle.Manifest.Version);
            return reference;
        }

        reference.Dispose();
        return new CompiledTreeModel(ensemble);
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "{Skill}@{Version} is not a FastTree binary classifier; it is served by ML.NET's PredictionEngine")]
    private static partial void LogNotCompiled(ILogger logger, string skill, string version);
}
