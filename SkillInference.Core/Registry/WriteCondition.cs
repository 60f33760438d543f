namespace SkillInference.Registry;

/// <summary>The precondition of a model store write.</summary>
public readonly record struct WriteCondition
{
    private WriteCondition(WriteConditionKind kind, string? generation)
    {
        Kind = kind;
        Generation = generation;
    }

    /// <summary>Write whatever is there.</summary>
    public static WriteCondition None => default;

    /// <summary>Write only if the object does not exist (immutable bundle files).</summary>
    public static WriteCondition IfNotExists => new(WriteConditionKind.IfNotExists, null);

    /// <summary>Write only if the object's generation is still <paramref name="generation"/> (compare-and-swap).</summary>
    public static WriteCondition IfGenerationMatch(string generation)
    {
        ArgumentException.ThrowIfNullOrEmpty(generation);
        return new(WriteConditionKind.IfGenerationMatch, generation);
    }

    /// <summary>The kind of condition.</summary>
    public WriteConditionKind Kind { get; }

    /// <summary>The expected generation for <see cref="WriteConditionKind.IfGenerationMatch"/>.</summary>
    public string? Generation { get; }
}
