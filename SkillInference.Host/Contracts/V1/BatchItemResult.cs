namespace SkillInference.Host.Contracts.V1;

/// <summary>One batch item's outcome: a result or an error.</summary>
public sealed record BatchItemResult
{
    /// <summary>The item's position in the request.</summary>
    public required int Index { get; init; }

    /// <summary>The score, when the item was scored.</summary>
    public SkillScore? Result { get; init; }

    /// <summary>The error, when it was not.</summary>
    public BatchItemError? Error { get; init; }
}
