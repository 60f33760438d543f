using SkillInference.Engines.MlNet;
using SkillInference.Trees;

namespace SkillInference.Engines;

/// <summary>The model formats Core serves without adapter packages, for use without dependency injection.</summary>
internal static class BuiltInModelFormats
{
    /// <summary>New instances of every built-in format handler: <c>mlnet</c> and <c>xgboost-json</c>.</summary>
    public static IReadOnlyList<IModelFormat> Create() => [new MlNetModelFormat(), new XGBoostModelFormat()];
}
