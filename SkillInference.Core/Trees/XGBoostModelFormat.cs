using SkillInference.Bundles;
using SkillInference.Engines;

namespace SkillInference.Trees;

/// <summary>
/// Loads <c>xgboost-json</c> bundles into the compiled tree evaluator, their only engine (<see cref="ScoringEngine.Auto"/>
/// or <see cref="ScoringEngine.Compiled"/>). <see cref="ScoringEngine.Reference"/> is refused: ML.NET cannot read XGBoost
/// JSON and xgboost itself does not run in .NET, so no reference runtime scores these bundles in process (the compiled
/// evaluator is checked against xgboost's own <c>predict_proba</c> by the tests instead).
/// </summary>
internal sealed class XGBoostModelFormat : IModelFormat
{
    public string Format => ModelFormats.XGBoostJson;

    public IScoringModel Load(ModelBundle bundle, ScoringEngine engine)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (engine == ScoringEngine.Reference)
        {
            // Refused rather than served by the compiled evaluator: whoever asks for the reference engine must not get another one unnoticed.
            throw new BundleValidationException(
                BundleValidationErrorKind.UnsupportedFormat,
                $"{bundle.Skill}@{bundle.Version} is an xgboost-json bundle, which has no Reference engine: ML.NET cannot read XGBoost models. " +
                "Serve it with the Auto or Compiled engine (the compiled evaluator equals xgboost's predict_proba bit for bit), or export it to ONNX to score it through ML.NET.");
        }

        try
        {
            return new CompiledTreeModel(XGBoostJsonImporter.Compile(bundle.ModelBytes.Span));
        }
        catch (ModelImportException ex)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The XGBoost model of {bundle.Skill}@{bundle.Version} cannot be served: {ex.Message}", innerException: ex);
        }
    }
}
