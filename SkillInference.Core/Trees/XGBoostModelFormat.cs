using SkillInference.Bundles;
using SkillInference.Engines;

namespace SkillInference.Trees;

/// <summary>Loads <c>xgboost-json</c> bundles into the compiled tree evaluator (the only engine for them).</summary>
internal sealed class XGBoostModelFormat : IModelFormat
{
    public string Format => ModelFormats.XGBoostJson;

    public IScoringModel Load(ModelBundle bundle, ScoringEngine engine)
    {
        ArgumentNullException.ThrowIfNull(bundle);
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
