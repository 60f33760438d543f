using SkillInference.Bundles;

namespace SkillInference.Engines.MlNet;

/// <summary>Loads <c>mlnet</c> bundles: an ML.NET model zip scoring a <c>Features</c> vector column.</summary>
internal sealed class MlNetModelFormat : IModelFormat
{
    public string Format => ModelFormats.MlNet;

    public IScoringModel Load(ModelBundle bundle, ScoringEngine engine)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new MlNetScoringModel(bundle);
    }
}
