namespace SkillInference.Registry;

/// <summary>The <see cref="RegistryEvent.Action"/> values.</summary>
internal static class RegistryActions
{
    /// <summary>A version was deployed.</summary>
    public const string Deploy = "deploy";

    /// <summary>The previous deployed version was restored.</summary>
    public const string Rollback = "rollback";

    /// <summary>The traffic variants changed.</summary>
    public const string Variants = "variants";
}
