using SkillInference.Engines.MlNet;

namespace SkillInference.Engines;

/// <summary>The model formats Core serves without adapter packages, for use without dependency injection.</summary>
public static class BuiltInModelFormats
{
    /// <summary>New instances of every built-in format handler.</summary>
    public static IReadOnlyList<IModelFormat> Create() => [new MlNetModelFormat()];
}
